/**
 * The live feed behind GET /api/events: one per HTTP server, shared by all its streams.
 *
 * A new stream gets a snapshot of the whole model, then deltas: the host's events collected in a
 * `Batch` and sent every `batchMs` at most (nothing is sent while nothing happens). Node summaries
 * (seq, message counters) change with every message but are not in the host's events, so they are
 * read from a host snapshot; that costs time in proportion to the metrics held, so it runs at most
 * every `summaryMs` and never takes more than ~5 % of the time (see `SUMMARY_DUTY`).
 *
 * The host's listeners are attached only while a stream is open: without them the host builds no
 * per-metric event objects (observability costs nothing when unused).
 */
import type { ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { WebHost } from '../types.js';
import { Batch, wireInt } from './batch.js';
import { SseStream } from './sse.js';
import { nodesMessage, snapshotMessage } from './wire.js';

export interface LiveFeedOptions {
  /** Delta interval, ms. */
  readonly batchMs: number;
  /** Shortest interval between node summaries, ms. */
  readonly summaryMs: number;
  /** Whether the demo's controls are served (told to the page in the snapshot). */
  readonly demo: boolean;
  /** A stream with more than this unsent is dropped (the page reconnects to a fresh snapshot). */
  readonly maxBufferedBytes: number;
  readonly logger?: Logger | undefined;
}

/** Summaries take at most this share of the time: the interval grows with what one costs. */
const SUMMARY_DUTY = 0.05;
const PING_MS = 15_000;
const RETRY_MS = 1_000;

export class LiveFeed {
  private readonly streams = new Set<SseStream>();
  private readonly detach: (() => void)[] = [];
  private batch = new Batch();
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private summaryTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastSummary = '';

  constructor(
    private readonly host: WebHost,
    private readonly opts: LiveFeedOptions,
  ) {}

  /** Starts a stream on `res`: the snapshot goes out at once, deltas follow. */
  open(res: ServerResponse): void {
    // The pending batch goes to the streams it belongs to: the new one starts from a snapshot that has it.
    // (Flushing may drop a lagging last stream and detach: hence attach after it.)
    this.flush();
    if (this.streams.size === 0) this.attach();
    const stream = new SseStream(res, this.opts.maxBufferedBytes, RETRY_MS, () => this.closed(stream));
    this.streams.add(stream);
    // Listeners are attached: whatever changes from here on is in a later delta, so nothing falls between.
    stream.send('snapshot', JSON.stringify(snapshotMessage(this.host.snapshot(), this.opts.demo, this.opts.batchMs)));
  }

  /** Ends every stream (server shutdown: an open stream would keep `close()` waiting). */
  close(): void {
    for (const s of [...this.streams]) s.end();
  }

  private closed(stream: SseStream): void {
    this.streams.delete(stream);
    if (this.streams.size === 0) this.stop();
  }

  private attach(): void {
    const h = this.host;
    const b = (): Batch => this.touch();
    this.detach.push(
      h.on('stateChanged', (_from, to) => {
        b().event({ k: 'host', state: to });
        // Losing the broker marks every node stale without a node event: the summary says so.
        this.scheduleSummary(0);
      }),
      h.on('nodeBirth', (e) => b().birth({ k: 'nbirth', g: e.group, n: e.node, bdSeq: e.bdSeq === undefined ? null : wireInt(e.bdSeq), ts: wireInt(e.timestamp), metrics: [] })),
      h.on('nodeDeath', (e) => b().event({ k: 'ndeath', g: e.group, n: e.node, ts: e.timestamp })),
      h.on('deviceBirth', (e) => b().birth({ k: 'dbirth', g: e.group, n: e.node, d: e.device, ts: wireInt(e.timestamp), metrics: [] })),
      h.on('deviceDeath', (e) => b().event({ k: 'ddeath', g: e.group, n: e.node, d: e.device, ts: wireInt(e.timestamp) })),
      h.on('rebirthRequested', (e) => b().event({ k: 'rebirth', g: e.group, n: e.node, reason: e.reason })),
      h.on('metrics', (e) => b().metrics(e.group, e.node, e.device, e.metrics)),
    );
    this.pingTimer = setInterval(() => {
      for (const s of this.streams) s.ping();
    }, PING_MS);
    this.scheduleSummary(this.opts.summaryMs);
  }

  private stop(): void {
    for (const off of this.detach.splice(0)) off();
    clearTimeout(this.flushTimer);
    clearTimeout(this.summaryTimer);
    clearInterval(this.pingTimer);
    this.flushTimer = undefined;
    this.summaryTimer = undefined;
    this.pingTimer = undefined;
    this.batch = new Batch();
    this.lastSummary = '';
  }

  /** The batch, with a flush scheduled: the first change after a quiet spell starts the clock. */
  private touch(): Batch {
    this.flushTimer ??= setTimeout(() => this.flush(), this.opts.batchMs);
    return this.batch;
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.batch.empty) return;
    this.broadcast('delta', JSON.stringify(this.batch.take()));
  }

  private scheduleSummary(delayMs: number): void {
    clearTimeout(this.summaryTimer);
    this.summaryTimer = setTimeout(() => this.summary(), delayMs);
  }

  private summary(): void {
    const started = performance.now();
    // Deltas first: a summary must not overtake the births it reflects.
    this.flush();
    const text = JSON.stringify(nodesMessage(this.host.snapshot()));
    if (text !== this.lastSummary) {
      this.lastSummary = text;
      this.broadcast('nodes', text);
    }
    // The last stream may have been dropped just now (it lagged): then the feed has stopped.
    if (this.streams.size === 0) return;
    const cost = performance.now() - started;
    if (cost > 200) this.opts.logger?.debug({ costMs: Math.round(cost) }, 'live view: node summary is slow');
    this.scheduleSummary(Math.max(this.opts.summaryMs, cost / SUMMARY_DUTY));
  }

  private broadcast(event: string, data: string): void {
    for (const s of [...this.streams]) s.send(event, data);
  }
}
