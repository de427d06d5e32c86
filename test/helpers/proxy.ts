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
  /**
   * A network cut without a TCP reset: while cut, nothing is read in either direction, so bytes
   * (and any FIN) wait in the kernels' socket buffers as unacknowledged segments would, and
   * neither side hears of the other closing: each must find out by keepalive. New connections wait
   * unconnected, as a retransmitted SYN would. Healing lets everything that waited through, in
   * order, as TCP does when the network returns: to a side that is still there it arrives late; to
   * one that gave up meanwhile it ends in a reset.
   */
  cut(on: boolean): void;
  /** Whether the link is cut (see cut()). */
  readonly isCut: boolean;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const firstChunks: Buffer[] = [];
  const state = { open: true, accepted: 0, cut: false };
  /** Connections that arrived during a cut, not yet connected onward, with what they sent. */
  const waiting = new Map<Socket, Buffer[]>();
  /** Connects `inbound` onward; `early` is what it sent while it waited for a cut to heal. */
  const link = (inbound: Socket, early: readonly Buffer[] = []): void => {
    state.accepted++;
    if (early[0] !== undefined) firstChunks.push(early[0]);
    else inbound.once('data', (chunk: Buffer) => firstChunks.push(chunk));
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
    for (const c of early) outbound.write(c);
    inbound.pipe(outbound).pipe(inbound);
  };
  const sever = ([inbound, outbound]: [Socket, Socket]): void => {
    inbound.unpipe(outbound);
    outbound.unpipe(inbound);
    inbound.pause();
    outbound.pause();
  };
  const server = createServer((inbound) => {
    if (!state.open) {
      inbound.destroy();
      return;
    }
    if (state.cut) {
      // Its CONNECT waits, as a retransmitted SYN would; read (and kept) so that a client giving up
      // is noticed: its attempt never reaches the broker, as a SYN that never got through.
      const early: Buffer[] = [];
      waiting.set(inbound, early);
      inbound.on('data', (c: Buffer) => early.push(c));
      inbound.on('error', () => waiting.delete(inbound)).on('close', () => waiting.delete(inbound));
      return;
    }
    link(inbound);
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
  const cut = (on: boolean): void => {
    if (on === state.cut) return;
    state.cut = on;
    if (on) {
      for (const pair of pairs) sever(pair);
      return;
    }
    for (const [inbound, outbound] of pairs) inbound.pipe(outbound).pipe(inbound);
    for (const [inbound, early] of [...waiting]) {
      waiting.delete(inbound);
      inbound.removeAllListeners('data').removeAllListeners('error').removeAllListeners('close');
      if (!inbound.destroyed && !inbound.readableEnded) link(inbound, early);
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
    cut,
    get isCut() {
      return state.cut;
    },
    close: () => {
      state.open = false;
      state.cut = false;
      for (const w of waiting.keys()) w.destroy();
      waiting.clear();
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
