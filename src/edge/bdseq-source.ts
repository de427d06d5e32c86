/**
 * bdSeq per MQTT session: the value for the next CONNECT is reserved (persisted) ahead, reused by
 * failed connection attempts, and advanced only when a CONNECT was accepted.
 */
import type { Logger } from 'pino';
import type { BdSeqSource } from './types.js';

export interface BdSeqPersistence {
  /** The next bdSeq, durably recorded before the promise resolves. */
  next(): Promise<number>;
  /** The bdSeq last recorded by `next()` (by this or a previous process), or undefined if none yet. */
  current(): number | undefined;
}

export class PersistentBdSeq implements BdSeqSource {
  private constructor(
    private readonly store: BdSeqPersistence,
    private pending: number,
    private readonly log: Logger | undefined,
  ) {}

  static async open(store: BdSeqPersistence, log?: Logger): Promise<PersistentBdSeq> {
    // The recorded value is the one reserved for the next CONNECT (by `confirm` after the last
    // accepted CONNECT, or by a process that never got one): use it, so that a restarted process
    // continues with last+1 instead of skipping a value. Only a fresh store reserves one here.
    // [tck-id-topics-nbirth-bdseq-increment] [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq]
    return new PersistentBdSeq(store, store.current() ?? (await store.next()), log);
  }

  peek(): number {
    return this.pending;
  }

  async confirm(): Promise<void> {
    // [tck-id-topics-nbirth-bdseq-increment] the next CONNECT uses +1 (mod 256); it is persisted
    // [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq]
    // before this session's NBIRTH, so that a process killed after its NBIRTH restarts with +1
    // (never reusing the bdSeq of a session hosts have seen born).
    this.pending = (this.pending + 1) % 256;
    try {
      await this.store.next();
    } catch (e: unknown) {
      this.log?.error({ err: e }, 'bdSeq could not be persisted');
    }
  }
}
