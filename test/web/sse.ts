/** A Server-Sent Events reader over a real HTTP connection, for the live feed's tests. */
import { get, type IncomingMessage } from 'node:http';
import type { DeltaMessage, NodesMessage, SnapshotMessage } from '../../src/web/live/wire.js';

export type SseMessage =
  | { readonly event: 'snapshot'; readonly data: SnapshotMessage; readonly bytes: number; readonly at: number }
  | { readonly event: 'delta'; readonly data: DeltaMessage; readonly bytes: number; readonly at: number }
  | { readonly event: 'nodes'; readonly data: NodesMessage; readonly bytes: number; readonly at: number };

export interface SseReader {
  /** Every message so far, in arrival order. */
  readonly messages: readonly SseMessage[];
  /** Bytes of the stream so far. */
  readonly bytes: number;
  /** The first message (received or to come) from index `from` on that matches. */
  next<E extends SseMessage['event']>(event: E, match?: (m: Extract<SseMessage, { event: E }>) => boolean, timeoutMs?: number, from?: number): Promise<Extract<SseMessage, { event: E }>>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

function parse(block: string, at: number): SseMessage | undefined {
  let event = '';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (event !== 'snapshot' && event !== 'delta' && event !== 'nodes') return undefined;
  // The feed's own wire types: the test reads what the server declares it sends.
  return { event, data: JSON.parse(data), bytes: block.length, at } as SseMessage;
}

/** Reads with node:http and no agent: one socket per stream, gone when the stream is (fetch may keep a spare one). */
export async function openSse(url: string): Promise<SseReader> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    get(url, { agent: false, headers: { accept: 'text/event-stream' } }, resolve).once('error', reject);
  });
  const type = res.headers['content-type'] ?? '';
  if (res.statusCode !== 200 || !type.startsWith('text/event-stream')) {
    res.destroy();
    throw new Error(`GET ${url}: ${res.statusCode ?? '?'} ${type}`);
  }
  res.setEncoding('utf8');
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  let bytes = 0;
  let buf = '';
  res.on('data', (chunk: string) => {
    bytes += chunk.length;
    buf += chunk;
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const m = parse(buf.slice(0, i), Date.now());
      buf = buf.slice(i + 2);
      if (m !== undefined) messages.push(m);
    }
    for (const w of [...waiters]) w();
  });
  // 'close' also after a reset or destroy(): either way the stream has ended.
  const ended = new Promise<void>((resolve) => res.once('close', resolve));
  return {
    messages,
    get bytes() {
      return bytes;
    },
    ended,
    close: () => void res.destroy(),
    next(event, match = () => true, timeoutMs = 5000, from = 0) {
      type M = Extract<SseMessage, { event: typeof event }>;
      const find = (): M | undefined => messages.slice(from).find((m): m is M => m.event === event && match(m as M));
      return new Promise<M>((resolve, reject) => {
        const check = (): void => {
          const m = find();
          if (m === undefined) return;
          cleanup();
          resolve(m);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${event} message within ${timeoutMs} ms (${messages.length} messages so far)`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
