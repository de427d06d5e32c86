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
   * A network cut without a TCP reset: while cut, nothing passes in either direction and neither
   * side hears of the other closing (its FIN stays in the cut), so each must find out by keepalive.
   * What is written meanwhile waits in the proxy, as unacknowledged TCP segments would; a side
   * that gives up takes its waiting bytes with it. New connections wait unconnected, as a SYN
   * would. Healing delivers what waited on links both sides kept, resets the half-dead ones and
   * connects the waiting newcomers.
   */
  cut(on: boolean): void;
  /** Whether the link is cut (see cut()). */
  readonly isCut: boolean;
  close(): Promise<void>;
}

interface Severed {
  readonly toOutbound: Buffer[];
  readonly toInbound: Buffer[];
  readonly gone: Set<Socket>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const firstChunks: Buffer[] = [];
  const state = { open: true, accepted: 0, cut: false };
  /** Per open pair during a cut: bytes waiting each way, and which sides gave up. */
  const severed = new Map<[Socket, Socket], Severed>();
  const waiting = new Set<Socket>();
  const link = (inbound: Socket): void => {
    state.accepted++;
    inbound.once('data', (chunk: Buffer) => firstChunks.push(chunk));
    const outbound = createConnection({ port: targetPort, host: '127.0.0.1' });
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    const teardown = (side: Socket): void => {
      const sev = severed.get(pair);
      if (sev !== undefined) {
        // Cut: the other side does not hear of it.
        sev.gone.add(side);
        if (sev.gone.size === 2) {
          severed.delete(pair);
          pairs.delete(pair);
        }
        return;
      }
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('error', () => teardown(inbound)).on('close', () => teardown(inbound));
    outbound.on('error', () => teardown(outbound)).on('close', () => teardown(outbound));
    inbound.pipe(outbound).pipe(inbound);
    if (state.cut) sever(pair);
  };
  const sever = (pair: [Socket, Socket]): void => {
    const [inbound, outbound] = pair;
    inbound.unpipe(outbound);
    outbound.unpipe(inbound);
    const sev: Severed = { toOutbound: [], toInbound: [], gone: new Set() };
    severed.set(pair, sev);
    // Read on, so that a side closing is noticed (and kept from the other side).
    inbound.on('data', (c: Buffer) => sev.toOutbound.push(c));
    outbound.on('data', (c: Buffer) => sev.toInbound.push(c));
  };
  const heal = (pair: [Socket, Socket], sev: Severed): void => {
    const [inbound, outbound] = pair;
    severed.delete(pair);
    inbound.removeAllListeners('data');
    outbound.removeAllListeners('data');
    if (sev.gone.size > 0) {
      // One side gave up during the cut: the other gets a reset once the network is back.
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
      return;
    }
    for (const c of sev.toOutbound) outbound.write(c);
    for (const c of sev.toInbound) inbound.write(c);
    inbound.pipe(outbound).pipe(inbound);
  };
  const server = createServer((inbound) => {
    if (!state.open) {
      inbound.destroy();
      return;
    }
    if (state.cut) {
      // Not read while cut: its CONNECT waits, as a SYN retransmitted until the network is back.
      waiting.add(inbound);
      inbound.pause();
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
    for (const [pair, sev] of [...severed]) heal(pair, sev);
    for (const inbound of [...waiting]) {
      waiting.delete(inbound);
      inbound.removeAllListeners('error').removeAllListeners('close');
      if (!inbound.destroyed) link(inbound);
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
      severed.clear();
      for (const w of waiting) w.destroy();
      waiting.clear();
      dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
