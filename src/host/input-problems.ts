/**
 * Bad input to the host, by cause: one counter each (for /metrics) and a rate-limited log. A hostile
 * or broken publisher can send thousands of bad messages a second; a log line per message would cost
 * more than the message and drown every other line. So per cause: the first occurrence is logged at
 * once with its details, later ones are only counted and summarised ("N more <cause> in the last
 * 60 s") at most once per interval.
 */
import type { Logger } from 'pino';
import type { HostLimits } from './types.js';

export const INPUT_PROBLEM_CAUSES = [
  'bad_topic',
  'oversized_payload',
  'malformed_payload',
  'invalid_seq',
  'birth_without_bdseq',
  'invalid_birth_metric',
  'data_before_birth',
  'seq_gap',
  'seq_repeated',
  'seq_out_of_order',
  'unknown_alias',
  'unknown_device',
  'foreign_command',
  'flood',
  'too_many_nodes',
] as const;

export type InputProblemCause = (typeof INPUT_PROBLEM_CAUSES)[number];

/**
 * Bad messages from one edge node within one log interval that make it a flood: counted once per
 * node and interval, so the operator learns which node misbehaves (summaries do not name nodes).
 */
export const FLOOD_PROBLEMS = 1000;
/** Bound on the per-node tallies: a publisher cycling through endless node ids must not grow them. */
const MAX_TALLIES = 10_000;

/** What the first line of a cause says; `info` for causes that are legitimate traffic or routine. */
const DESCRIPTION: Record<InputProblemCause, { readonly level: 'info' | 'warn'; readonly text: string }> = {
  bad_topic: { level: 'warn', text: 'message on a topic that is not Sparkplug B ignored' },
  oversized_payload: { level: 'warn', text: 'payload larger than limits.maxPayloadBytes dropped before decoding' },
  malformed_payload: { level: 'warn', text: 'payload does not decode' },
  invalid_seq: { level: 'warn', text: 'missing or invalid seq' },
  birth_without_bdseq: { level: 'warn', text: 'NBIRTH without a bdSeq metric (any NDEATH will end this session)' },
  invalid_birth_metric: { level: 'warn', text: 'birth metrics without name or datatype ignored' },
  data_before_birth: { level: 'info', text: 'data before any NBIRTH of the node; asking for a rebirth' },
  seq_gap: { level: 'info', text: 'seq gap; waiting for the reorder window' },
  seq_repeated: { level: 'warn', text: 'message with a repeated seq dropped' },
  seq_out_of_order: { level: 'warn', text: 'message with an earlier seq dropped (late or reversed)' },
  unknown_alias: { level: 'warn', text: 'metrics (alias or name) not declared in the birth' },
  unknown_device: { level: 'warn', text: 'DDATA from a device without a current DBIRTH' },
  foreign_command: { level: 'info', text: 'NCMD/DCMD this host did not send (another host or client); not edge state, ignored' },
  flood: { level: 'warn', text: `an edge node sent more than ${FLOOD_PROBLEMS} bad messages within one log interval` },
  too_many_nodes: { level: 'warn', text: 'message from a new edge node dropped: the model holds limits.maxNodes nodes already' },
};

/** Details of one occurrence; logged only for the first of an interval. */
export type ProblemFields = Readonly<Record<string, string | number | undefined>>;

export type ReportProblem = (cause: InputProblemCause, fields: ProblemFields) => void;

export interface InputProblemsOptions {
  readonly log: Logger | undefined;
  readonly intervalMs: number;
  readonly now: () => number;
}

export class InputProblems {
  /** Totals since start, every cause present (0 included) so /metrics lists them all. */
  readonly counts: Record<InputProblemCause, number>;
  /** Start of the current log window per cause; absent once a window ended with nothing to report. */
  private readonly windowStart = new Map<InputProblemCause, number>();
  private readonly suppressed = new Map<InputProblemCause, number>();
  private timer: ReturnType<typeof setInterval> | undefined;
  /** Bad messages per "group/node" since `talliedSince`. */
  private tallies = new Map<string, number>();
  private talliedSince: number;

  constructor(private readonly o: InputProblemsOptions) {
    this.counts = Object.fromEntries(INPUT_PROBLEM_CAUSES.map((c) => [c, 0])) as Record<InputProblemCause, number>;
    this.talliedSince = o.now();
  }

  readonly report: ReportProblem = (cause, fields) => {
    this.counts[cause]++;
    const now = this.o.now();
    if (cause !== 'flood' && fields['node'] !== undefined) this.tally(`${fields['group']}/${fields['node']}`, fields, now);
    const start = this.windowStart.get(cause);
    if (start !== undefined && now - start < this.o.intervalMs) {
      this.suppressed.set(cause, (this.suppressed.get(cause) ?? 0) + 1);
      // A quarter interval between checks: a summary is at most that late, and costs no timer per cause.
      this.timer ??= setInterval(() => this.flush(false), Math.max(1, this.o.intervalMs / 4)).unref();
      return;
    }
    if (start !== undefined) this.summarise(cause, now - start);
    this.windowStart.set(cause, now);
    const d = DESCRIPTION[cause];
    this.o.log?.[d.level]({ cause, ...fields }, `${d.text} [${cause}]; more of this cause are summarised every ${this.o.intervalMs / 1000} s`);
  };

  /** Logs the summaries still owed (all of them when `all`, e.g. at stop); stops the timer when none is left. */
  flush(all: boolean): void {
    const now = this.o.now();
    for (const [cause, start] of this.windowStart) {
      if (!all && now - start < this.o.intervalMs) continue;
      // The window ended: with nothing suppressed, the next occurrence is logged in full again.
      if (!this.summarise(cause, now - start)) this.windowStart.delete(cause);
      else this.windowStart.set(cause, now);
    }
    if (this.suppressed.size === 0 || all) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  private tally(key: string, fields: ProblemFields, now: number): void {
    if (now - this.talliedSince >= this.o.intervalMs || this.tallies.size >= MAX_TALLIES) {
      this.tallies = new Map();
      this.talliedSince = now;
    }
    const n = (this.tallies.get(key) ?? 0) + 1;
    this.tallies.set(key, n);
    if (n === FLOOD_PROBLEMS) this.report('flood', { group: fields['group'], node: fields['node'] });
  }

  private summarise(cause: InputProblemCause, elapsedMs: number): boolean {
    const n = this.suppressed.get(cause);
    if (n === undefined) return false;
    this.suppressed.delete(cause);
    this.o.log?.[DESCRIPTION[cause].level]({ cause, count: n }, `${n} more ${cause} in the last ${Math.round(elapsedMs / 1000)} s`);
    return true;
  }
}

/**
 * The host subscribes to spBv1.0/#, so its own NCMDs/DCMDs come back to it. MQTT does not say who
 * published a message; the host counts what it sent per topic and takes each echo off, so what is
 * left over on a command topic came from someone else. Bounded: a lost echo must not grow it.
 */
export class OwnCommands {
  private readonly pending = new Map<string, number>();

  constructor(private readonly max = 10_000) {}

  sent(topic: string): void {
    if (this.pending.size >= this.max) this.pending.clear();
    this.pending.set(topic, (this.pending.get(topic) ?? 0) + 1);
  }

  /** Whether a command seen on `topic` is the echo of one this host sent (and takes it off). */
  echo(topic: string): boolean {
    const n = this.pending.get(topic);
    if (n === undefined) return false;
    if (n <= 1) this.pending.delete(topic);
    else this.pending.set(topic, n - 1);
    return true;
  }
}

const DEFAULT_MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** What the host checks of a message before routing it (its size, a command's origin), and the problem counts. */
export class InputGate {
  readonly problems: InputProblems;
  private readonly own = new OwnCommands();
  private readonly maxPayloadBytes: number;

  constructor(log: Logger | undefined, now: () => number, limits: HostLimits | undefined) {
    this.maxPayloadBytes = limits?.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES;
    this.problems = new InputProblems({ log, intervalMs: limits?.problemLogIntervalMs ?? 60_000, now });
  }

  /**
   * Checked before anything else: a huge payload is never decoded. No rebirth request: a data
   * message lost here is a seq gap, which asks by itself; an oversized birth would only come again.
   */
  oversized(topic: string, payload: Uint8Array): boolean {
    if (payload.length <= this.maxPayloadBytes) return false;
    this.problems.report('oversized_payload', { topic: topic.slice(0, 200), bytes: payload.length, limit: this.maxPayloadBytes });
    return true;
  }

  commandSent(topic: string): void {
    this.own.sent(topic);
  }

  /** Commands of other hosts are legitimate Sparkplug traffic: noted (info), never edge state. */
  commandSeen(topic: string): void {
    if (!this.own.echo(topic)) this.problems.report('foreign_command', { topic });
  }
}
