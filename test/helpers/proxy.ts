/**
 * A TCP pass-through in front of a broker, so a test can cut a client's network link abruptly
 * (no DISCONNECT) without reaching into the client's internals: the broker sees the socket close
 * and delivers the client's Will, exactly as after a real network failure.
 *
 * Its door can be shut: while `open` is false, new connections are accepted and destroyed at once
 * (the client sees its attempt fail) and open ones keep flowing. That lets a test restart a broker
 * and attach its observers before a reconnecting client is let back in, without racing the
 * client's back-off timer.
 */
import { createServer, createConnection, type Socket } from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** Number of client connections currently open through the proxy. */
  readonly connections: number;
  /** Number of client connections let through so far. */
  readonly accepted: number;
  /** Whether new connections are let through (default true). */
  open: boolean;
  /** The first chunk each client sent (it starts with the CONNECT packet), in connection order. */
  readonly firstChunks: readonly Buffer[];
  /** Destroys every open connection (both sides); new connections are still accepted. */
  dropAll(): void;
  /**
   * While held, nothing is read from the clients: once the OS buffers are full, what a client
   * writes stays queued in its own process. Releasing lets it all through, in order.
   */
  hold(held: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const firstChunks: Buffer[] = [];
  const state = { open: true, accepted: 0 };
  const server = createServer((inbound) => {
    if (!state.open) {
      inbound.destroy();
      return;
    }
    state.accepted++;
    inbound.once('data', (chunk: Buffer) => firstChunks.push(chunk));
    const outbound = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const teardown = (): void => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', teardown).on('close', teardown);
    outbound.on('error', teardown).on('close', teardown);
    inbound.pipe(outbound).pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  if (addr === null || typeof addr === 'string') throw new Error('proxy: no TCP address');
  const dropAll = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  const hold = (held: boolean): void => {
    for (const [inbound, outbound] of pairs) {
      if (held) {
        inbound.unpipe(outbound);
        inbound.pause();
      } else inbound.pipe(outbound);
    }
  };
  return {
    port: addr.port,
    url: `mqtt://127.0.0.1:${addr.port}`,
    get connections() {
      return pairs.size;
    },
    get accepted() {
      return state.accepted;
    },
    get open() {
      return state.open;
    },
    set open(v: boolean) {
      state.open = v;
    },
    firstChunks,
    dropAll,
    hold,
    close: () => {
      state.open = false;
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
