/**
 * A host application that prints what the edge nodes on a broker say: births, deaths and every
 * metric value, from the host's typed events (the same ones the HTTP API and sinks are fed by).
 *
 *   npx tsc -p tsconfig.json
 *   node build/examples/host-events.js [mqtt://127.0.0.1:1883] [seconds]
 *
 * Run it beside build/examples/edge-custom-source.js to see the tank's births and data.
 */
import { HostApplication, MqttSession, type MetricUpdate, type WillMessage } from '../src/index.js';
import { exampleArgs, runFor, valueText } from './common.js';

const { url, seconds } = exampleArgs();
const HOST_ID = 'example-host';

const transport = new MqttSession({
  servers: [url],
  clientId: `sparkstate-${HOST_ID}`,
  // Asked before every CONNECT: the offline STATE Will of that session.
  will: (): WillMessage => host.willMessage(),
});
const host = new HostApplication({ hostId: HOST_ID, transport });

/** `Level=1.25 (Double)` */
function show(m: MetricUpdate): string {
  return `${m.name}=${valueText(m.value)} (${m.type}${m.isHistorical ? ', historical' : ''})`;
}

host.on('stateChanged', (_from, to) => console.log(`host ${HOST_ID} ${to}`));
host.on('nodeBirth', (n) => console.log(`NBIRTH ${n.group}/${n.node} bdSeq=${String(n.bdSeq)}`));
host.on('deviceBirth', (d) => console.log(`DBIRTH ${d.group}/${d.node}/${d.device}`));
host.on('nodeDeath', (n) => console.log(`NDEATH ${n.group}/${n.node} bdSeq=${String(n.bdSeq)}`));
host.on('deviceDeath', (d) => console.log(`DDEATH ${d.group}/${d.node}/${d.device}`));
host.on('metrics', (e) => {
  const where = [e.group, e.node, e.device].filter((p) => p !== undefined).join('/');
  console.log(`  ${where}: ${e.metrics.map(show).join(', ')}`);
});

await host.start();
await runFor(seconds);
await host.stop();
