/**
 * The OPC UA benchmark's ceiling: a plain node-opcua client that subscribes to the same variables
 * the edge does (one ClientMonitoredItemGroup, the same sampling and publishing intervals) and only
 * counts the notifications. Run as its own process: `node opcua-counter.js <endpoint> <count> <publishingMs>`.
 * Prints `ready` once subscribed, then `count <n> <mean latency ms>` whenever it gets a line on
 * stdin (latency: arrival − source timestamp of the first variable's values since the last line);
 * `quit` closes its session and exits.
 */
import { createInterface } from 'node:readline';
import { OPCUACertificateManager } from 'node-opcua';
import { AttributeIds, ClientMonitoredItemGroup, OPCUAClient, TimestampsToReturn } from 'node-opcua-client';
import { bulkName } from '../test/helpers/opcua-variables.js';

const [endpoint = '', countArg = '0', publishingArg = '100', pkiDir = ''] = process.argv.slice(2);
// Its own PKI in the benchmark's temp dir: nothing written under $HOME.
const clientCertificateManager = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true });
const client = OPCUAClient.create({ endpointMustExist: false, clientCertificateManager, connectionStrategy: { maxRetry: 3, initialDelay: 200 } });
await client.connect(endpoint);
const session = await client.createSession();
const subscription = await session.createSubscription2({
  requestedPublishingInterval: Number(publishingArg),
  requestedMaxKeepAliveCount: 20,
  requestedLifetimeCount: 200,
  maxNotificationsPerPublish: 0,
  publishingEnabled: true,
  priority: 1,
});
const items = Array.from({ length: Number(countArg) }, (_, i) => ({ nodeId: `ns=1;s=${bulkName(i)}`, attributeId: AttributeIds.Value }));
const group = ClientMonitoredItemGroup.create(subscription, items, { samplingInterval: 0, queueSize: 10, discardOldest: true }, TimestampsToReturn.Both);
let notifications = 0;
let latencySum = 0;
let latencyCount = 0;
group.on('changed', (_item, dataValue, position) => {
  notifications++;
  if (position !== 0) return;
  latencySum += Date.now() - (dataValue.sourceTimestamp?.getTime() ?? Date.now());
  latencyCount++;
});
await new Promise<void>((resolve) => group.once('initialized', () => resolve()));
process.stdout.write('ready\n');
createInterface({ input: process.stdin }).on('line', (line) => {
  // A killed client's subscription would go on loading the server until its session times out.
  if (line === 'quit') {
    void session
      .close()
      .then(() => client.disconnect())
      .finally(() => process.exit(0));
    return;
  }
  process.stdout.write(`count ${notifications} ${latencyCount === 0 ? NaN : latencySum / latencyCount}\n`);
  latencySum = 0;
  latencyCount = 0;
});
