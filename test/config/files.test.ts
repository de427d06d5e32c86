import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadEdgeConfig, loadHostConfig, parseEdgeConfig } from '../../src/config/index.js';
import { configError, MINIMAL_EDGE } from './helpers.js';

// Compiled to build/test/config/, so the shipped examples are three levels up.
const examples = fileURLToPath(new URL('../../../config/', import.meta.url));

describe('shipped example configs', () => {
  it('config/edge.example.yaml loads', async () => {
    const c = await loadEdgeConfig(join(examples, 'edge.example.yaml'), {});
    assert.equal(c.devices[0]?.metrics.length, 6);
  });
  it('config/edge.bulk.yaml loads and expands to 100 devices × 50 metrics', async () => {
    const c = await loadEdgeConfig(join(examples, 'edge.bulk.yaml'), {});
    assert.equal(c.devices.length, 100);
    assert.ok(c.devices.every((d) => d.metrics.length === 50));
  });
  it('config/edge.opcua.example.yaml loads; the OPC UA password comes from the device variable before the general one', async () => {
    const env = { SPARKSTATE_OPCUA_PASSWORD: 'general', SPARKSTATE_OPCUA_PASSWORD_PRESS: 'press-only' };
    const c = await loadEdgeConfig(join(examples, 'edge.opcua.example.yaml'), env);
    const press = c.devices[0];
    assert.equal(press?.source, 'opcua');
    assert.equal(press.source === 'opcua' ? press.password : undefined, 'press-only');
    const general = await loadEdgeConfig(join(examples, 'edge.opcua.example.yaml'), { SPARKSTATE_OPCUA_PASSWORD: 'general' });
    assert.equal(general.devices[0]?.source === 'opcua' ? general.devices[0].password : undefined, 'general');
  });
  it('config/host.example.yaml loads', async () => {
    const c = await loadHostConfig(join(examples, 'host.example.yaml'), {});
    assert.equal(c.sparkplug.hostId, 'scada');
  });
});

describe('environment overrides and secrets', () => {
  const withAuth = MINIMAL_EDGE.replace('mqtt: { servers: ["mqtt://127.0.0.1:1883"] }', 'mqtt: { servers: ["mqtt://127.0.0.1:1883"], username: u, password: p }');

  it('SPARKSTATE_MQTT_USERNAME / _PASSWORD override the file', async () => {
    const env = { SPARKSTATE_MQTT_USERNAME: 'envUser', SPARKSTATE_MQTT_PASSWORD: 'envPass' };
    const c = await parseEdgeConfig(withAuth, env);
    assert.equal(c.mqtt.username, 'envUser');
    assert.equal(c.mqtt.password, 'envPass');
  });

  it('an empty variable leaves the file value alone', async () => {
    const c = await parseEdgeConfig(withAuth, { SPARKSTATE_MQTT_PASSWORD: '' });
    assert.equal(c.mqtt.password, 'p');
  });

  it('never echoes a secret in error messages', async () => {
    const secret = 'hunter2-very-secret';
    const cases = [
      // wrong type around a secret value
      `mqtt: { servers: ["mqtt://h"], password: [${secret}] }\nsparkplug: { groupId: G, edgeNodeId: E }\n`,
      // a YAML syntax error on the password line (yaml's own message quotes the source)
      `mqtt:\n  servers: ["mqtt://h"]\n  password: "${secret}\nsparkplug: { groupId: G, edgeNodeId: E }\n`,
      // credentials inside a server URL with a bad scheme
      `mqtt: { servers: ["http://u:${secret}@h"] }\nsparkplug: { groupId: G, edgeNodeId: E }\n`,
      // a secret from the environment while something else is wrong
      `mqtt: { servers: ["mqtt://h"], password: 5 }\nsparkplug: { groupId: G }\n`,
    ];
    for (const text of cases) {
      const e = await configError(parseEdgeConfig(text, { SPARKSTATE_MQTT_USERNAME: secret }));
      assert.ok(!e.message.includes(secret), e.message);
      assert.ok(!JSON.stringify(e.issues).includes(secret));
    }
  });
});

describe('TLS files', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sparkstate-config-'));
    await mkdir(join(dir, 'certs'));
    await writeFile(join(dir, 'certs', 'ca.pem'), 'CA-PEM');
    await writeFile(join(dir, 'certs', 'edge.pem'), 'CERT-PEM');
    await writeFile(join(dir, 'certs', 'edge.key'), 'KEY-PEM');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const edgeWithTls = (tls: string) =>
    MINIMAL_EDGE.replace('mqtt: { servers: ["mqtt://127.0.0.1:1883"] }', `mqtt: { servers: ["mqtts://h:8883"], tls: ${tls} }`);

  it('reads ca/cert/key relative to the config file and resolves storeDir there too', async () => {
    const file = join(dir, 'edge.yaml');
    await writeFile(file, edgeWithTls('{ ca: certs/ca.pem, cert: certs/edge.pem, key: certs/edge.key, rejectUnauthorized: false }'));
    const c = await loadEdgeConfig(file, {});
    assert.equal(c.mqtt.tls?.ca?.toString(), 'CA-PEM');
    assert.equal(c.mqtt.tls?.cert?.toString(), 'CERT-PEM');
    assert.equal(c.mqtt.tls?.key?.toString(), 'KEY-PEM');
    assert.equal(c.mqtt.tls?.rejectUnauthorized, false);
    assert.equal(c.storeDir, join(dir, 'data', 'edge'));
  });

  it('a missing file is a config error naming the key, without file contents', async () => {
    const file = join(dir, 'missing.yaml');
    await writeFile(file, edgeWithTls('{ ca: certs/ca.pem, cert: certs/edge.pem, key: certs/nope.key }'));
    const e = await configError(loadEdgeConfig(file, {}));
    assert.match(e.message, /^missing\.yaml: mqtt\.tls\.key: cannot read file "certs\/nope\.key" \(ENOENT\)$/);
    assert.ok(!e.message.includes('PEM'));
  });

  it('cert without key is refused', async () => {
    const e = await configError(parseEdgeConfig(edgeWithTls('{ cert: certs/edge.pem }'), {}));
    assert.match(e.message, /mqtt\.tls\.key: cert and key must be given together/);
  });

  it('a missing config file is a config error', async () => {
    const e = await configError(loadEdgeConfig(join(dir, 'absent.yaml'), {}));
    assert.match(e.message, /absent\.yaml: cannot read config file/);
  });
});
