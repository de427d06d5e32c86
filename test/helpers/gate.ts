/**
 * A TCP pass-through whose door can be shut: while closed, new connections are accepted and
 * destroyed at once (the client sees its connection attempt fail), open ones keep flowing unless
 * `dropAll()` is called. Lets a test restart a broker and attach its observers before a
 * reconnecting client is let back in, without races on the client's back-off timer.
 */
import { createConnection, createServer, type Socket } from 'node:net';

export interface TcpGate {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>` */
  readonly url: string;
  /** Whether new connections are let through. */
  open: boolean;
  /** Number of client connections that were let through so far. */
  readonly accepted: number;
  /** Destroys every open connection (both sides), without DISCONNECT. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpGate(targetPort: number): Promise<TcpGate> {
  const pairs = new Set<[Socket, Socket]>();
  let accepted = 0;
  const state = { open: true };
  const server = createServer((inbound) => {
    if (!state.open) {
      inbound.destroy();
      return;
    }
    accepted++;
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
  if (addr === null || typeof addr === 'string') throw new Error('gate: no TCP address');
  const dropAll = (): void => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port: addr.port,
    url: `mqtt://127.0.0.1:${addr.port}`,
    get open() {
      return state.open;
    },
    set open(v: boolean) {
      state.open = v;
    },
    get accepted() {
      return accepted;
    },
    dropAll,
    close: () => {
      state.open = false;
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
