/** The topics of one edge node, built once from its own ids. */
import { formatTopic } from '../topic/index.js';

// Topics from this node's own ids; device topics under the same group and edge node as its NBIRTH:
// [tck-id-topics-nbirth-topic] [tck-id-message-flow-edge-node-birth-publish-nbirth-topic] [tck-id-topics-ndata-topic]
// [tck-id-topics-ndeath-topic] [tck-id-topics-dbirth-topic] [tck-id-message-flow-device-birth-publish-dbirth-topic]
// [tck-id-message-flow-device-birth-publish-dbirth-match-edge-node-topic] [tck-id-topics-ddata-topic] [tck-id-topics-ddeath-topic]
export class NodeTopics {
  readonly nbirth: string;
  readonly ndeath: string;
  readonly ndata: string;
  readonly ncmd: string;
  /** Every DCMD of the node's devices. */
  readonly dcmdFilter: string;

  constructor(
    private readonly group: string,
    private readonly node: string,
  ) {
    this.nbirth = formatTopic({ kind: 'node', type: 'NBIRTH', group, node });
    this.ndeath = formatTopic({ kind: 'node', type: 'NDEATH', group, node });
    this.ndata = formatTopic({ kind: 'node', type: 'NDATA', group, node });
    this.ncmd = formatTopic({ kind: 'node', type: 'NCMD', group, node });
    this.dcmdFilter = `${formatTopic({ kind: 'device', type: 'DCMD', group, node, device: 'x' }).slice(0, -1)}+`;
  }

  device(type: 'DBIRTH' | 'DDEATH' | 'DDATA', device: string): string {
    return formatTopic({ kind: 'device', type, group: this.group, node: this.node, device });
  }
}
