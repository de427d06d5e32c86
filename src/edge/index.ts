export { EdgeNode } from './edge-node.js';
export { PersistentBdSeq, type BdSeqPersistence } from './bdseq-source.js';
export { BDSEQ_METRIC, NEXT_SERVER_METRIC, REBIRTH_METRIC } from './certificates.js';
export type {
  BdSeqSource,
  EdgeEvents,
  EdgeNodeOptions,
  EdgeState,
  EdgeStats,
  EdgeTransport,
  ForwardRecord,
  ForwardStore,
  StoredForwardRecord,
} from './types.js';
