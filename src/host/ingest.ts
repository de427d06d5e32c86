/**
 * Edge traffic in: decoding (with the birth datatypes), seq checking per edge node and the reorder
 * window; `ModelUpdater` applies what comes out in order. Nothing here throws for any input: bad
 * messages are counted by cause (input-problems.ts), logged rate-limited and answered with a rebirth
 * request where one helps.
 */
import { DataColumns, decodePayload, scanDataPayload, type DecodeOptions } from '../payload/index.js';
import type { DecodedPayload } from '../payload/types.js';
import { ModelUpdater, type UpdateContext } from './apply.js';
import { resolvedRows, type MetricTable } from './metric-table.js';
import type { HostModel, NodeModel, SequencedMessage } from './model.js';
import type { Route } from './routes.js';

export interface IngestContext extends UpdateContext {
  readonly model: HostModel;
  readonly reorderWindowMs: number;
}

/**
 * Decode options for payloads read without birth datatypes (births, mostly; one object, not one per
 * message): the model keeps births' property sets, and equal ones decode to one shared object.
 */
const BIRTH_OPTIONS: DecodeOptions = { shareProperties: true };

export class Ingest {
  private readonly updater: ModelUpdater;
  /** Reused by every scanned data message (one at a time, synchronously). */
  private readonly columns = new DataColumns();

  constructor(private readonly ctx: IngestContext) {
    this.updater = new ModelUpdater(ctx);
  }

  handle(route: Route, bytes: Uint8Array): void {
    const node = route.node;
    node.counters.messages++;
    this.ctx.counters.messages++;
    const msg = route.msg;
    if (msg === undefined) {
      // NBIRTH or NDEATH: the messages without a place in the node's seq order
      if (route.topic.type === 'NDEATH') {
        this.nodeDeath(node, bytes);
        return;
      }
      const p = this.decode(node, undefined, bytes);
      const seq = p === undefined ? undefined : this.seqOf(node, p);
      if (p !== undefined && seq !== undefined) this.updater.nodeBirth(node, p, seq);
      return;
    }
    if (node.lastSeq === undefined) {
      // HP-7: data, DBIRTH or DDEATH before any NBIRTH (host started mid-session, or after its reconnect)
      this.ctx.problem('data_before_birth', { group: node.group, node: node.id, verb: msg.verb });
      this.ctx.requestRebirth(node, 'noBirth');
      return;
    }
    if ((msg.verb === 'NDATA' || msg.verb === 'DDATA') && this.scanned(node, msg, route, bytes)) return;
    const table = msg.verb === 'DDATA' ? route.findDevice()?.metrics : msg.verb === 'NDATA' ? node.metrics : undefined;
    const p = this.decode(node, table, bytes);
    if (p === undefined) return;
    // The common case checked inline (a small integer); anything else gets the full check and its log.
    let seq = p.seq;
    if (typeof seq !== 'number' || seq < 0 || seq > 255 || (seq | 0) !== seq) {
      const checked = this.seqOf(node, p);
      if (checked === undefined) return;
      seq = checked;
    }
    // [tck-id-payloads-sequence-num-incrementing] one counter over NBIRTH, DBIRTH, NDATA, DDATA, DDEATH (HP-5)
    const expected = (node.lastSeq + 1) & 0xff;
    if (seq === expected) {
      node.lastSeq = seq;
      this.updater.apply(node, msg, p, route.findDevice());
      if (node.pending !== undefined) this.drain(node);
    } else {
      this.outOfOrder(node, msg, bytes, seq, expected);
    }
  }

  /**
   * NDATA/DDATA in the common plain shape, read into columns (see scanDataPayload); false when the
   * message needs the full decoder (any other shape, malformed, a value that does not fit).
   */
  private scanned(node: NodeModel, msg: SequencedMessage, route: Route, bytes: Uint8Array): boolean {
    const cols = this.columns;
    if (node.lastSeq === undefined || !scanDataPayload(bytes, cols)) return false;
    const seq = cols.seq;
    // a missing or invalid seq is reported by the full path
    if (seq < 0 || seq > 255) return false;
    // [tck-id-payloads-sequence-num-incrementing] one counter over NBIRTH, DBIRTH, NDATA, DDATA, DDEATH (HP-5)
    const expected = (node.lastSeq + 1) & 0xff;
    if (seq !== expected) {
      this.outOfOrder(node, msg, bytes, seq, expected);
      return true;
    }
    const device = msg.verb === 'NDATA' ? undefined : msg.device;
    if (!this.updater.applyColumns(node, device, device === undefined ? undefined : route.findDevice(), cols)) return false;
    node.lastSeq = seq;
    if (node.pending !== undefined) this.drain(node);
    return true;
  }

  private tableFor(node: NodeModel, msg: SequencedMessage): MetricTable | undefined {
    switch (msg.verb) {
      case 'NDATA':
        return node.metrics;
      case 'DDATA':
        return node.devices.get(msg.device)?.metrics;
      case 'DBIRTH':
      case 'DDEATH':
        return undefined;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  private decode(node: NodeModel, table: MetricTable | undefined, bytes: Uint8Array): DecodedPayload | undefined {
    resolvedRows.reset(table);
    try {
      return decodePayload(bytes, table === undefined ? BIRTH_OPTIONS : resolvedRows.decodeOptions);
    } catch (err) {
      this.malformed(node, 'malformed_payload', errorText(err));
      return undefined;
    }
  }

  private malformed(node: NodeModel, cause: 'malformed_payload' | 'invalid_seq', detail: string): void {
    node.counters.decodeErrors++;
    this.ctx.counters.decodeErrors++;
    this.ctx.problem(cause, { group: node.group, node: node.id, detail });
    // HP-7: a malformed payload leaves the model unknown; ask for the full state again
    this.ctx.requestRebirth(node, 'decodeError');
  }

  private seqOf(node: NodeModel, p: DecodedPayload): number | undefined {
    const seq = p.seq;
    // [tck-id-payloads-sequence-num-req-nbirth] seq is required and 0..255 on every sequenced message
    // [tck-id-payloads-nbirth-seq] [tck-id-message-flow-edge-node-birth-publish-nbirth-payload-seq]
    if (typeof seq === 'number' && Number.isInteger(seq) && seq >= 0 && seq <= 255) return seq;
    this.malformed(node, 'invalid_seq', `seq ${String(seq)}`);
    return undefined;
  }

  private outOfOrder(node: NodeModel, msg: SequencedMessage, bytes: Uint8Array, seq: number, expected: number): void {
    // Within half the seq space ahead = a later message (a gap); behind = a duplicate or a late straggler.
    if (((seq - expected) & 0xff) >= 128) {
      this.ctx.problem(seq === node.lastSeq ? 'seq_repeated' : 'seq_out_of_order', { group: node.group, node: node.id, seq, expected });
      return;
    }
    const pending = (node.pending ??= new Map());
    if (pending.size === 0) {
      node.counters.gaps++;
      this.ctx.counters.gaps++;
      this.ctx.problem('seq_gap', { group: node.group, node: node.id, seq, expected });
    }
    pending.set(seq, { msg, bytes });
    if (this.ctx.reorderWindowMs <= 0) {
      this.reorderTimeout(node);
    } else if (node.reorderTimer === undefined) {
      // [tck-id-operational-behavior-host-reordering-start] the gap starts the reorder timer
      node.reorderTimer = setTimeout(() => this.reorderTimeout(node), this.ctx.reorderWindowMs);
    }
  }

  /** Applies buffered messages that are now in order; the gap closed in time cancels the timer. */
  private drain(node: NodeModel): void {
    const pending = node.pending;
    if (pending === undefined || node.lastSeq === undefined) return;
    for (let next = (node.lastSeq + 1) & 0xff, b = pending.get(next); b !== undefined; b = pending.get(next)) {
      pending.delete(next);
      this.replay(node, b.msg, b.bytes, next);
      next = (next + 1) & 0xff;
    }
    // [tck-id-operational-behavior-host-reordering-success] missing message arrived in time: no rebirth
    if (pending.size === 0) node.clearReorder();
  }

  private reorderTimeout(node: NodeModel): void {
    const pending = node.pending;
    node.clearReorder();
    // [tck-id-operational-behavior-host-reordering-rebirth] the gap was not filled in time
    this.ctx.requestRebirth(node, 'seqGap');
    if (pending === undefined || node.lastSeq === undefined) return;
    // Resync: the held messages become the new baseline, in seq order; the rebirth brings the rest.
    const base = node.lastSeq;
    const seqs = [...pending.keys()].sort((a, b) => ((a - base) & 0xff) - ((b - base) & 0xff));
    for (const seq of seqs) {
      const b = pending.get(seq);
      if (b !== undefined) this.replay(node, b.msg, b.bytes, seq);
    }
  }

  private replay(node: NodeModel, msg: SequencedMessage, bytes: Uint8Array, seq: number): void {
    node.lastSeq = seq;
    const p = this.decode(node, this.tableFor(node, msg), bytes);
    if (p !== undefined) this.updater.apply(node, msg, p, msg.verb === 'NDATA' ? undefined : node.devices.get(msg.device));
  }

  private nodeDeath(node: NodeModel, bytes: Uint8Array): void {
    let p: DecodedPayload;
    try {
      p = decodePayload(bytes);
    } catch (err) {
      // No rebirth: a node that is dying cannot answer one.
      node.counters.decodeErrors++;
      this.ctx.counters.decodeErrors++;
      this.ctx.problem('malformed_payload', { group: node.group, node: node.id, verb: 'NDEATH', detail: errorText(err) });
      return;
    }
    this.updater.nodeDeath(node, p);
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
