import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEdgeConfig } from '../../src/config/index.js';
import { configError, EDGE_EXAMPLE, edgeWithMetrics, MINIMAL_EDGE } from './helpers.js';

const parse = (text: string) => parseEdgeConfig(text, {}, 'edge.yaml', '/cfg');

describe('edge config: valid files', () => {
  it('parses the issue example exactly as written, with defaults filled in', async () => {
    const c = await parse(EDGE_EXAMPLE);
    assert.deepEqual(c.mqtt.servers, ['mqtt://127.0.0.1:1883']);
    assert.equal(c.mqtt.protocolVersion, 4);
    assert.deepEqual(c.mqtt.backoff, { initialMs: 1000, maxMs: 30000 });
    assert.deepEqual(c.sparkplug, { groupId: 'Plant1', edgeNodeId: 'Line4', primaryHostId: 'scada', useAliases: true, sendNamesInData: false, datatypesInData: false, primaryHostWaitMs: 5000 });
    assert.equal(c.storeDir, '/cfg/data/edge');
    assert.equal(c.storeAndForward.enabled, true);
    assert.equal(c.logLevel, 'info');
    const [filler] = c.devices;
    assert.equal(filler?.id, 'Filler');
    assert.deepEqual(filler?.metrics[1], { name: 'Count', type: 'Int64', writable: false, generator: 'counter', start: 0, step: 1 });
    assert.equal(filler?.metrics[2]?.writable, true);
  });

  it('step takes min/max/periodMs like the other generators, or values', async () => {
    const c = await parse(edgeWithMetrics('{ name: A, type: Int32, generator: step, min: 1, max: 4, periodMs: 1000 }', '{ name: B, type: String, generator: step, values: [x, y], periodMs: 5 }'));
    assert.deepEqual(c.devices[0]?.metrics[0], { name: 'A', type: 'Int32', writable: false, generator: 'step', min: 1, max: 4, periodMs: 1000 });
    assert.deepEqual(c.devices[0]?.metrics[1], { name: 'B', type: 'String', writable: false, generator: 'step', values: ['x', 'y'], periodMs: 5 });
  });

  it('turns deadbands into the DeviceSource shape', async () => {
    const c = await parse(edgeWithMetrics('{ name: A, type: Double, generator: ramp, min: 0, max: 1, periodMs: 10, deadband: { percent: 2 } }'));
    assert.deepEqual(c.devices[0]?.metrics[0]?.deadband, { kind: 'percent', value: 2 });
  });

  it('expands the bulk form into N devices of M metrics', async () => {
    const c = await parse(`${MINIMAL_EDGE}devices:\n  - { bulk: { devices: 12, metrics: 3, type: Int32, generator: counter, idPrefix: "Dev" } }\n`);
    assert.equal(c.devices.length, 12);
    assert.deepEqual(c.devices.map((d) => d.id).slice(0, 2), ['Dev01', 'Dev02']);
    assert.deepEqual(c.devices[11]?.metrics.map((m) => m.name), ['M1', 'M2', 'M3']);
  });
});

/** An edge config with one OPC UA device: `head` holds its keys after id/source, then the metrics. */
function opcuaDevice(head: string, ...metrics: string[]): string {
  return `${MINIMAL_EDGE}devices:\n  - id: Press\n    source: opcua\n    ${head}\n    metrics:\n${metrics.map((m) => `      - ${m}\n`).join('')}`;
}

describe('edge config: every problem names its key path', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown key (typo)', MINIMAL_EDGE + 'scanIntervallMs: 5\n', /edge\.yaml: scanIntervallMs: unknown key; did you mean "scanIntervalMs"\?/],
    ['wrong type', MINIMAL_EDGE + 'scanIntervalMs: fast\n', /edge\.yaml: scanIntervalMs: expected a number, got a string/],
    ['negative scan interval', MINIMAL_EDGE + 'scanIntervalMs: -1\n', /edge\.yaml: scanIntervalMs: .*0/],
    ['missing required key', 'mqtt: { servers: ["mqtt://h"] }\nsparkplug: { groupId: G }\n', /edge\.yaml: sparkplug\.edgeNodeId: required key is missing/],
    ['empty server list', 'mqtt: { servers: [] }\nsparkplug: { groupId: G, edgeNodeId: E }\n', /mqtt\.servers: must have at least 1 item/],
    ['bad URL', 'mqtt: { servers: ["mqtt://h", "http://h"] }\nsparkplug: { groupId: G, edgeNodeId: E }\n', /mqtt\.servers\[1\]: unsupported scheme "http"/],
    ['unparseable URL', 'mqtt: { servers: ["not a url"] }\nsparkplug: { groupId: G, edgeNodeId: E }\n', /mqtt\.servers\[0\]: not a valid URL/],
    [
      'bad datatype',
      edgeWithMetrics('{ name: A, type: Double, generator: counter }', '{ name: B, type: Int33, generator: counter }'),
      /edge\.yaml: devices\[0\]\.metrics\[1\]\.type: unknown datatype "Int33"; expected one of Int8, /,
    ],
    ['datatype the generator cannot produce', edgeWithMetrics('{ name: A, type: String, generator: sine, min: 0, max: 1, periodMs: 5 }'), /metrics\[0\]\.type: datatype "String" cannot carry the values of generator "sine"/],
    ['unknown generator', edgeWithMetrics('{ name: A, type: Double, generator: noise }'), /metrics\[0\]\.generator: unknown generator "noise"/],
    ['min >= max', edgeWithMetrics('{ name: A, type: Double, generator: sine, min: 5, max: 5, periodMs: 5 }'), /metrics\[0\]\.min: min \(5\) must be less than max \(5\)/],
    ['periodMs <= 0', edgeWithMetrics('{ name: A, type: Double, generator: ramp, min: 0, max: 5, periodMs: 0 }'), /metrics\[0\]\.periodMs: must be > 0/],
    ['constant out of range', edgeWithMetrics('{ name: A, type: UInt8, generator: constant, value: 256 }'), /metrics\[0\]\.value: 256 is out of range for UInt8 \(0\.\.255\)/],
    ['mixed step values', edgeWithMetrics('{ name: A, type: Double, generator: step, values: [1, "a"], periodMs: 5 }'), /metrics\[0\]\.values: values must be all numbers/],
    ['step without values or min/max', edgeWithMetrics('{ name: A, type: Int32, generator: step, periodMs: 5 }'), /edge\.yaml: devices\[0\]\.metrics\[0\]: generator "step" needs values: \[\.\.\.\] or min and max/],
    ['step with min only', edgeWithMetrics('{ name: A, type: Int32, generator: step, min: 1, periodMs: 5 }'), /metrics\[0\]\.max: required key is missing \(generator "step" with min needs max\)/],
    ['step with values and min/max', edgeWithMetrics('{ name: A, type: Int32, generator: step, values: [1], min: 0, max: 3, periodMs: 5 }'), /metrics\[0\]\.values: give either values or min\/max, not both/],
    ['step min >= max', edgeWithMetrics('{ name: A, type: Int32, generator: step, min: 3, max: 3, periodMs: 5 }'), /metrics\[0\]\.min: min \(3\) must be less than max \(3\)/],
    ['step max out of range', edgeWithMetrics('{ name: A, type: UInt8, generator: step, min: 0, max: 300, periodMs: 5 }'), /metrics\[0\]\.max: 300 is out of range for UInt8 \(0\.\.255\)/],
    ['step fractional min for an integer type', edgeWithMetrics('{ name: A, type: Int16, generator: step, min: 0.5, max: 3, periodMs: 5 }'), /metrics\[0\]\.min: expected an integer for Int16, got a fractional number/],
    ['step min/max on a string', edgeWithMetrics('{ name: A, type: String, generator: step, min: 0, max: 3, periodMs: 5 }'), /metrics\[0\]\.type: datatype "String" cannot carry the values of generator "step"/],
    ['step without periodMs', edgeWithMetrics('{ name: A, type: Int32, generator: step, min: 0, max: 3 }'), /metrics\[0\]\.periodMs: required key is missing/],
    ['reserved metric name', edgeWithMetrics('{ name: "Node Control/Rebirth", type: Boolean, generator: constant, value: false }'), /metrics\[0\]\.name: metric name "Node Control\/Rebirth" is reserved/],
    ['duplicate metric names', edgeWithMetrics('{ name: A, type: Double, generator: counter }', '{ name: A, type: Double, generator: counter }'), /devices\[0\]\.metrics\[1\]\.name: duplicate metric name "A"/],
    ['deadband on a string', edgeWithMetrics('{ name: A, type: String, generator: constant, value: x, deadband: { absolute: 1 } }'), /metrics\[0\]\.deadband: a deadband applies to numeric datatypes only/],
    ['bulk with min >= max', MINIMAL_EDGE + 'devices: [{ bulk: { devices: 2, metrics: 2, min: 3, max: 1 } }]\n', /devices\[0\]\.bulk\.min: min \(3\) must be less than max/],
    ['OPC UA: not an opc.tcp endpoint', opcuaDevice('endpoint: http://plc', '{ name: A, nodeId: "ns=1;s=A" }'), /devices\[0\]\.endpoint: expected an opc\.tcp:\/\/ URL/],
    ['OPC UA: a type key (the server says the type)', opcuaDevice('endpoint: opc.tcp://plc:4840', '{ name: A, nodeId: "ns=1;s=A", type: Double }'), /devices\[0\]\.metrics\[0\]\.type: unknown key/],
    ['OPC UA: security mode without a policy', opcuaDevice('endpoint: opc.tcp://plc:4840\n    securityMode: SignAndEncrypt', '{ name: A, nodeId: "ns=1;s=A" }'), /devices\[0\]\.securityPolicy: securityMode SignAndEncrypt needs a securityPolicy other than None/],
    ['OPC UA: duplicate metric names', opcuaDevice('endpoint: opc.tcp://plc:4840', '{ name: A, nodeId: "ns=1;s=A" }', '{ name: A, nodeId: "ns=1;s=B" }'), /devices\[0\]\.metrics\[1\]\.name: duplicate metric name "A"/],
    ['OPC UA: certificate without key', opcuaDevice('endpoint: opc.tcp://plc:4840\n    certificate: user.pem', '{ name: A, nodeId: "ns=1;s=A" }'), /devices\[0\]\.privateKey: certificate and privateKey must be given together/],
  ];
  for (const [name, text, expected] of cases) {
    it(name, async () => {
      const e = await configError(parse(text));
      assert.match(e.message, expected);
      assert.ok(e.issues.length >= 1);
    });
  }

  it("[tck-id-intro-group-id-chars] [tck-id-intro-group-id-string] [tck-id-topic-structure-namespace-valid-group-id] [tck-id-intro-edge-node-id-chars] [tck-id-intro-edge-node-id-string] [tck-id-topic-structure-namespace-valid-edge-node-id] [tck-id-intro-device-id-chars] [tck-id-intro-device-id-string] [tck-id-topic-structure-namespace-valid-device-id] ids with '/', '+', '#' or empty are refused", async () => {
    const text = `mqtt: { servers: ["mqtt://h"] }
sparkplug: { groupId: "Plant/1", edgeNodeId: "Line+4", primaryHostId: "" }
devices: [{ id: "Fill#er", metrics: [{ name: A, type: Double, generator: counter }] }]
`;
    const e = await configError(parse(text));
    assert.deepEqual(e.issues.map((i) => i.path), ['sparkplug.groupId', 'sparkplug.edgeNodeId', 'sparkplug.primaryHostId', 'devices[0].id']);
    assert.match(e.message, /sparkplug\.groupId: must not contain '\/', '\+', '#'/);
  });

  it('duplicate device ids, also across bulk expansion and letter case [tck-id-case-sensitivity-sparkplug-ids]', async () => {
    const dev = (id: string) => `{ id: ${id}, metrics: [{ name: A, type: Double, generator: counter }] }`;
    const text = `${MINIMAL_EDGE}devices: [${dev('Filler')}, ${dev('Filler')}, ${dev('filler')}, ${dev('D2')}, { bulk: { devices: 3, metrics: 1, idPrefix: D } }]\n`;
    const e = await configError(parse(text));
    assert.deepEqual(e.issues.map((i) => i.path), ['devices[1].id', 'devices[2].id', 'devices[4].bulk.idPrefix']);
    assert.match(e.message, /devices\[1\]\.id: duplicate device id "Filler"/);
    assert.match(e.message, /devices\[2\]\.id: device id "filler" differs from "Filler" .* only by letter case/);
  });

  it('reports every problem of a file in one error, one per line', async () => {
    const e = await configError(parse('mqtt: { servers: ["ftp://h"], keepalive: 3 }\nsparkplug: { groupId: G }\nlogLevel: loud\n'));
    assert.deepEqual(e.issues.map((i) => i.path), ['mqtt.servers[0]', 'mqtt.keepalive', 'sparkplug.edgeNodeId', 'logLevel']);
    assert.equal(e.message.split('\n').length, 5);
  });

  it('YAML syntax errors are config errors with a line number', async () => {
    const e = await configError(parse('mqtt: { servers: [\n'));
    assert.match(e.message, /edge\.yaml: line \d+, column \d+: YAML syntax error/);
  });

  it('an empty file is a config error', async () => {
    const e = await configError(parse('# nothing\n'));
    assert.match(e.message, /edge\.yaml: the file is empty/);
  });
});
