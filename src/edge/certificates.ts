/** Node birth and death certificates, as payload objects. */
import type { Metric, Payload } from '../payload/types.js';

export const REBIRTH_METRIC = 'Node Control/Rebirth';
export const NEXT_SERVER_METRIC = 'Node Control/Next Server';
export const BDSEQ_METRIC = 'bdSeq';

/** The NDEATH certificate: used as the MQTT Will and as the explicit death before a clean stop. */
export function ndeathPayload(bdSeq: number, now: number): Payload {
  // [tck-id-topics-ndeath-payload] exactly one metric, bdSeq
  // [tck-id-topics-ndeath-seq] [tck-id-payloads-ndeath-seq] no seq field at all
  // [tck-id-message-flow-edge-node-birth-publish-will-message-payload-bdSeq] [tck-id-topics-nbirth-bdseq-increment] Int64 in long_value
  return { timestamp: now, metrics: [{ name: BDSEQ_METRIC, type: 'Int64', value: bdSeq }] };
}

export function nbirthPayload(bdSeq: number, now: number, nodeMetrics: Metric[]): Payload {
  const metrics: Metric[] = [
    // [tck-id-topics-nbirth-bdseq-included] [tck-id-topics-nbirth-bdseq-matching] same bdSeq as this session's Will
    // [tck-id-payloads-nbirth-bdseq] [tck-id-payloads-nbirth-bdseq-repeat]
    // [tck-id-message-flow-edge-node-birth-publish-nbirth-payload-bdSeq]
    { name: BDSEQ_METRIC, type: 'Int64', value: bdSeq, timestamp: now },
    // [tck-id-topics-nbirth-rebirth-metric] Boolean false, never aliased
    // [tck-id-operational-behavior-data-commands-rebirth-name-aliases]
    // [tck-id-payloads-nbirth-rebirth-req] [tck-id-operational-behavior-data-commands-rebirth-name]
    // [tck-id-operational-behavior-data-commands-rebirth-datatype] [tck-id-operational-behavior-data-commands-rebirth-value]
    { name: REBIRTH_METRIC, type: 'Boolean', value: false, timestamp: now },
    { name: NEXT_SERVER_METRIC, type: 'Boolean', value: false, timestamp: now },
    ...nodeMetrics,
  ];
  // [tck-id-topics-nbirth-seq-num] seq is 0 on every NBIRTH, rebirths included
  // [tck-id-payloads-nbirth-seq] [tck-id-payloads-sequence-num-req-nbirth]
  // [tck-id-message-flow-edge-node-birth-publish-nbirth-payload-seq] seq present (encoded even when 0)
  // [tck-id-topics-nbirth-timestamp] [tck-id-payloads-nbirth-timestamp]
  return { timestamp: now, seq: 0, metrics };
}
