import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHostConfig } from '../../src/config/index.js';
import { configError } from './helpers.js';

const HOST_EXAMPLE = `mqtt:
  servers: ["mqtt://127.0.0.1:1883"]
sparkplug:
  hostId: scada
  groups: ["Plant1"]        # optional; all groups when absent
http:
  port: 8080
rebirth:
  reorderWindowMs: 2000
  maxPerSecond: 20
`;

const parse = (text: string) => parseHostConfig(text, {}, 'host.yaml', '/cfg');

describe('host config', () => {
  it('parses the issue example exactly as written, with defaults filled in', async () => {
    const c = await parse(HOST_EXAMPLE);
    assert.deepEqual(c.sparkplug, { hostId: 'scada', groups: ['Plant1'] });
    assert.deepEqual(c.http, { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(c.rebirth, { enabled: true, reorderWindowMs: 2000, maxPerSecond: 20, staleAfterReconnectMs: 1000 });
    assert.equal(c.logLevel, 'info');
    assert.deepEqual(c.limits, { maxPayloadBytes: 16 * 1024 * 1024, problemLogIntervalMs: 60_000, maxNodes: 10_000 });
    // The host's store sits next to the config file, like the edge's; keys are kept a day.
    assert.equal(c.storeDir, '/cfg/data/host');
    assert.deepEqual(c.commands, { idempotencyWindowMs: 86_400_000 });
  });

  it('limits: a payload size limit, a problem log interval and a node limit, positive integers', async () => {
    const c = await parse('mqtt: { servers: ["mqtt://h"] }\nsparkplug: { hostId: h }\nlimits: { maxPayloadBytes: 65536, maxNodes: 50 }\n');
    assert.deepEqual(c.limits, { maxPayloadBytes: 65536, problemLogIntervalMs: 60_000, maxNodes: 50 });
    const e = await configError(parse('mqtt: { servers: ["mqtt://h"] }\nsparkplug: { hostId: h }\nlimits: { maxPayloadBytes: 0, maxNodes: 0.5 }\n'));
    assert.deepEqual(e.issues.map((i) => i.path), ['limits.maxPayloadBytes', 'limits.maxNodes']);
  });

  it('groups are optional', async () => {
    const c = await parse('mqtt: { servers: ["wss://broker/mqtt"] }\nsparkplug: { hostId: h }\n');
    assert.equal(c.sparkplug.groups, undefined);
    assert.equal(c.http.port, 8080);
  });

  it('refuses unknown keys, bad ids, bad ports and duplicate groups with their key paths', async () => {
    const e = await configError(
      parse('mqtt: { servers: ["mqtt://h"] }\nsparkplug: { hostId: "a/b", groups: [P, P, "x#"] }\nhttp: { port: 70000, hots: x }\n'),
    );
    assert.deepEqual(e.issues.map((i) => i.path), ['sparkplug.hostId', 'sparkplug.groups[2]', 'sparkplug.groups[1]', 'http.port', 'http.hots']);
    assert.match(e.message, /host\.yaml: http\.hots: unknown key; did you mean "host"\?/);
    assert.match(e.message, /host\.yaml: http\.port: must be ≤ 65535/);
  });

  it('requires the sparkplug host id', async () => {
    const e = await configError(parse('mqtt: { servers: ["mqtt://h"] }\nsparkplug: {}\n'));
    assert.match(e.message, /^host\.yaml: sparkplug\.hostId: required key is missing$/);
  });
  it('mirror: off when absent; prefix and maxPerSecond with the default rate, its own mqtt optional', async () => {
    const base = 'mqtt: { servers: ["mqtt://h"] }\nsparkplug: { hostId: h }\n';
    assert.equal((await parse(base)).mirror, undefined);
    const c = await parse(`${base}mirror: { prefix: plant/values }\n`);
    assert.deepEqual(c.mirror, { prefix: 'plant/values', maxPerSecond: 1000, leftoverGraceMs: 30000 });
    const own = await parse(`${base}mirror: { prefix: p, maxPerSecond: 5, mqtt: { servers: ["mqtt://other:1884"], clientId: m1 } }\n`);
    assert.equal(own.mirror?.maxPerSecond, 5);
    assert.deepEqual(own.mirror.mqtt?.servers, ['mqtt://other:1884']);
    assert.equal(own.mirror.mqtt.clientId, 'm1');
  });

  it('mirror: a prefix with wildcards, NUL, empty levels, $ or spBv1.0 and a rate that is not positive are refused', async () => {
    const base = 'mqtt: { servers: ["mqtt://h"] }\nsparkplug: { hostId: h }\n';
    for (const [prefix, message] of [
      ['"a/+/b"', /mirror\.prefix: must not contain the MQTT wildcards/],
      ['"a/#"', /mirror\.prefix: must not contain the MQTT wildcards/],
      ['"a\\0b"', /mirror\.prefix: must not contain the MQTT wildcards \+ or # or NUL/],
      ['"/a"', /mirror\.prefix: must not start or end with \/ or contain \/\//],
      ['"a//b"', /mirror\.prefix: must not start or end/],
      ['"$SYS/x"', /mirror\.prefix: must not start with \$/],
      ['"spBv1.0/x"', /mirror\.prefix: must not be in the Sparkplug namespace/],
      ['""', /mirror\.prefix/],
    ] as const) {
      const e = await configError(parse(`${base}mirror: { prefix: ${prefix} }\n`));
      assert.deepEqual(e.issues.map((i) => i.path), ['mirror.prefix'], prefix);
      assert.match(e.message, message);
    }
    for (const rate of ['0', '-1', 'fast']) {
      const e = await configError(parse(`${base}mirror: { prefix: p, maxPerSecond: ${rate} }\n`));
      assert.deepEqual(e.issues.map((i) => i.path), ['mirror.maxPerSecond'], rate);
    }
    const e = await configError(parse(`${base}mirror: { prefix: p, mqtt: { servers: [] }, qos: 2 }\n`));
    assert.deepEqual(e.issues.map((i) => i.path).sort(), ['mirror.mqtt.servers', 'mirror.qos']);
  });

  it('historian: off when absent; url required, the rest defaulted; a bad URL or schema name refused with its path', async () => {
    const base = 'mqtt: { servers: ["mqtt://h"] }\nsparkplug: { hostId: h }\n';
    assert.equal((await parse(base)).historian, undefined);
    const c = await parse(`${base}historian: { url: "postgres://pg:5432/test" }\n`);
    assert.deepEqual(c.historian, {
      url: 'postgres://pg:5432/test',
      schema: 'sparkstate',
      retentionDays: 90,
      batchMs: 200,
      batchRows: 5000,
      spoolMaxBytes: 256 * 1024 * 1024,
      writeTimeoutMs: 30_000,
    });
    const e = await configError(parse(`${base}historian: { url: "mysql://x", schema: "Bad-Name", retentionDays: 0 }\n`));
    assert.deepEqual(e.issues.map((i) => i.path), ['historian.url', 'historian.schema', 'historian.retentionDays']);
  });
});
