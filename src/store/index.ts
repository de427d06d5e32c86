export { BdSeqStore, BDSEQ_BACKUP_FILE, BDSEQ_FILE, type BdSeqStoreOptions } from './bdseq.js';
export { ForwardQueue, FORWARD_FILE, type ForwardQueueOptions, type ForwardQueueStats } from './forward-queue.js';
export type { ForwardRecord, StoredRecord } from './forward-db.js';
export type { StoreLogger } from './logger.js';
