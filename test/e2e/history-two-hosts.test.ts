/**
 * E2E historian (issue #19): two hosts, each the primary host of the edge nodes of its own groups
 * (`sparkplug.groups`) with its own host id, started at once and writing into ONE historian schema.
 * Migrations and partitions are serialized by the advisory lock; each host subscribes only to its
 * groups, so each value is written once, by its own host.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from '../historian/helpers.js';
import { lifo } from '../host/broker-helpers.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { sleep, waitUntil } from '../helpers/wait.js';
import { countersOf, dropSchemaAfter, historianYaml, problems, reportHistory, schemaName, settledHistory } from './history-helpers.js';
import { Ledger } from './ledger.js';
import { EdgeCli, HostCli } from './processes.js';

const SITES = [
  { hostId: 'hostA', group: 'GA', nodes: ['E1', 'E2'] },
  { hostId: 'hostB', group: 'GB', nodes: ['E3', 'E4'] },
] as const;

test('e2e historian: two hosts with disjoint groups write into one schema without conflict; each host has only its own groups', async (t) => {
  const s = lifo(t);
  const broker = await startMosquitto();
  s.after(() => broker.dispose());
  const ledger = await Ledger.start(broker.url);
  s.after(() => ledger.close());
  const schema = schemaName();
  dropSchemaAfter(t, schema);
  const servers = [broker.url];

  const hosts = await Promise.all(SITES.map((x) => HostCli.create(s, { servers, hostId: x.hostId, groups: [x.group], extraYaml: historianYaml(schema) })));
  const edges = await Promise.all(
    SITES.flatMap((x) => x.nodes.map((node) => EdgeCli.create(s, { node, servers, groupId: x.group, primaryHostId: x.hostId }))),
  );
  const startedAt = Date.now();
  for (const p of [...hosts, ...edges]) p.start();
  await Promise.all([...hosts, ...edges].map((p) => p.ready(30_000)));
  await waitUntil(
    async () => {
      const states = await Promise.all(hosts.map((h) => h.state()));
      return SITES.every((x, i) => x.nodes.every((n) => states[i]?.groups[x.group]?.nodes[n]?.online === true));
    },
    30_000,
    'each host to have its nodes online',
    100,
  );
  const readyMs = Date.now() - startedAt;
  await sleep(2000);

  const r = await settledHistory(schema, ledger, countersOf(edges));
  const nodes = await sql<{ g: string; n: string }>(`SELECT DISTINCT group_id AS g, edge_node_id AS n FROM "${schema}".metrics ORDER BY 1, 2`);
  const states = await Promise.all(hosts.map((h) => h.state()));
  reportHistory('two hosts, disjoint groups, one schema', r, undefined, `both hosts whole ${readyMs} ms after a simultaneous start`);
  assert.equal(r.missing, 0, problems(r));
  assert.equal(r.duplicates, 0, problems(r));
  assert.deepEqual(
    nodes.map((x) => `${x.g}/${x.n}`),
    SITES.flatMap((x) => x.nodes.map((n) => `${x.group}/${n}`)),
  );
  SITES.forEach((x, i) => assert.deepEqual(Object.keys(states[i]?.groups ?? {}), [x.group], `${x.hostId} has only its own group`));
  for (const h of hosts) assert.ok(!/historian.*(error|failed)/i.test(h.output()), h.output());
});
