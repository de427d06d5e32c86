/**
 * The Dockerfile and docker-compose.yml name what they must. Nothing is built here (no Docker
 * daemon); instead the files are read, the configs the compose file mounts are loaded with the
 * project's own loader, and the broker's password file is tried with a real Mosquitto.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect } from 'mqtt';
import { parse } from 'yaml';
import { loadEdgeConfig, loadHostConfig } from '../../src/config/index.js';
import { HISTORIAN_PASSWORD_VARIABLE } from '../../src/historian/index.js';
import { startMosquitto } from '../helpers/mosquitto.js';
import { execForm, flags, parseDockerfile, stages, type Stage } from './dockerfile.js';

// Compiled to build/test/deploy/: the repository root is three levels up.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const IMAGE = 'node:20-bookworm-slim';

const dockerfile = stages(parseDockerfile(read('Dockerfile')));
const final = dockerfile.at(-1);
const all = (stage: Stage | undefined, keyword: string): string[] =>
  (stage?.instructions ?? []).filter((i) => i.keyword === keyword).map((i) => i.args);
const one = (stage: Stage | undefined, keyword: string): string => {
  const found = all(stage, keyword);
  assert.equal(found.length, 1, `exactly one ${keyword} in the final stage`);
  return found[0] ?? '';
};
const env = new Map(all(final, 'ENV').flatMap((a) => [...a.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1] ?? '', m[2] ?? ''] as const)));

describe('Dockerfile', () => {
  test('multi-stage, every stage on node:20-bookworm-slim (the native addon is built where it runs)', () => {
    assert.ok(dockerfile.length >= 2, `${dockerfile.length} stage(s)`);
    for (const s of dockerfile) assert.ok(s.base === IMAGE || dockerfile.some((o) => o.name === s.base), `FROM ${s.base}`);
    assert.equal(final?.base, IMAGE);
  });

  test('the build runs npm ci + npm run build; the runtime gets production dependencies (npm ci --omit=dev) and dist only', () => {
    const runs = dockerfile.flatMap((s) => all(s, 'RUN').map((r) => ({ stage: s.name, run: r })));
    assert.ok(runs.some((r) => /\bnpm ci\b(?! --omit)/.test(r.run)), 'a full npm ci for the build');
    assert.ok(runs.some((r) => /\bnpm run build\b/.test(r.run)), 'npm run build');
    const prod = runs.find((r) => /\bnpm ci --omit=dev\b/.test(r.run));
    assert.ok(prod?.stage !== undefined, 'npm ci --omit=dev in a named stage');
    const copies = all(final, 'COPY').map(flags);
    assert.ok(copies.some((c) => c.flags.get('from') === prod.stage && c.rest.startsWith('/app/node_modules')), 'node_modules from the --omit=dev stage');
    assert.ok(copies.some((c) => c.flags.has('from') && c.rest.startsWith('/app/dist')), 'dist from the build');
    assert.ok(!all(final, 'RUN').some((r) => /\bnpm\b/.test(r)), 'no npm install in the runtime stage');
  });

  test('the final stage runs as a non-root USER', () => {
    const user = all(final, 'USER').at(-1);
    assert.ok(user !== undefined, 'USER in the final stage');
    assert.doesNotMatch(user, /^(root|0)(:|$)/);
  });

  test('ENTRYPOINT node dist/cli/main.js, CMD edge --config /config/edge.yaml, EXPOSE, VOLUME /data', () => {
    assert.deepEqual(execForm(one(final, 'ENTRYPOINT')), ['node', 'dist/cli/main.js']);
    assert.equal(one(final, 'WORKDIR'), '/app');
    assert.ok(existsSync(join(ROOT, 'src/cli/main.ts')), 'dist/cli/main.js is built from src/cli/main.ts');
    assert.deepEqual(execForm(one(final, 'CMD')), ['edge', '--config', '/config/edge.yaml']);
    assert.deepEqual(one(final, 'EXPOSE').split(/\s+/), ['8080']);
    assert.ok(all(final, 'VOLUME').some((v) => v.includes('"/data"') || v === '/data'), 'VOLUME /data');
  });

  test('HEALTHCHECK runs the copied healthcheck.mjs on SPARKSTATE_HEALTH_PORT, the exposed port', () => {
    const hc = flags(one(final, 'HEALTHCHECK'));
    for (const f of ['interval', 'timeout', 'start-period', 'retries']) assert.ok(hc.flags.has(f), `--${f}`);
    assert.ok(hc.rest.startsWith('CMD '), 'HEALTHCHECK CMD …');
    const cmd = execForm(hc.rest.slice(4));
    assert.deepEqual(cmd, ['node', '/app/healthcheck.mjs']);
    const copied = all(final, 'COPY').map((c) => c.split(/\s+/)).find(([src]) => src === 'docker/healthcheck.mjs');
    assert.equal(posix.resolve('/app', copied?.[1] ?? ''), '/app/healthcheck.mjs');
    assert.equal(env.get('SPARKSTATE_HEALTH_PORT'), one(final, 'EXPOSE'));
  });

  test('every file COPY takes from the build context exists and is not in .dockerignore', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const sources = dockerfile.flatMap((s) => all(s, 'COPY').map(flags).filter((c) => !c.flags.has('from'))).flatMap((c) => c.rest.split(/\s+/).slice(0, -1));
    assert.ok(sources.length > 0);
    for (const src of sources) {
      assert.ok(existsSync(join(ROOT, src)), `${src} exists`);
      assert.ok(!ignored.some((i) => src === i || src.startsWith(`${i}/`)), `${src} is not ignored`);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

type Json = Record<string, unknown>;
const isJson = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
function obj(v: unknown, what: string): Json {
  assert.ok(isJson(v), `${what} is a mapping`);
  return v;
}
function strings(v: unknown, what: string): string[] {
  assert.ok(isStrings(v), `${what} is a list of strings`);
  return v;
}

const compose = obj(parse(read('docker-compose.yml')), 'docker-compose.yml');
const services = obj(compose['services'], 'services');
const service = (name: string): Json => obj(services[name], `services.${name}`);
const environment = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(service(name)['environment'], `${name}.environment`)).map(([k, v]) => [k, String(v)]));
/** `./docker/edge.yaml:/config/edge.yaml:ro` → { source, target } */
const mounts = (name: string): { source: string; target: string }[] =>
  strings(service(name)['volumes'], `${name}.volumes`).map((v) => {
    const [source = '', target = ''] = v.split(':');
    return { source, target };
  });
/** The file the service's `--config` names, as a path in this repository. */
function configFile(name: string): string {
  const command = strings(service(name)['command'], `${name}.command`);
  const path = command[command.indexOf('--config') + 1];
  const mount = mounts(name).find((m) => m.target === path);
  assert.ok(mount !== undefined && mount.source.startsWith('./'), `${name}: ${String(path)} is a bind mount from the repository`);
  return join(ROOT, mount.source);
}
const containerPorts = (name: string): string[] => strings(service(name)['ports'], `${name}.ports`).map((p) => p.split(':').at(-1) ?? '');

describe('docker-compose.yml', () => {
  test('mosquitto, postgres, host and edge, each with a healthcheck; started in order by service_healthy', () => {
    assert.deepEqual(Object.keys(services).sort(), ['edge', 'host', 'mosquitto', 'postgres']);
    for (const name of ['mosquitto', 'postgres', 'host', 'edge']) {
      const hc = obj(service(name)['healthcheck'], `${name}.healthcheck`);
      assert.equal(strings(hc['test'], `${name}.healthcheck.test`)[0], 'CMD');
    }
    const condition = (name: string, on: string): unknown => obj(obj(service(name)['depends_on'], `${name}.depends_on`)[on], `${name} on ${on}`)['condition'];
    assert.equal(condition('host', 'mosquitto'), 'service_healthy');
    assert.equal(condition('host', 'postgres'), 'service_healthy');
    assert.equal(condition('edge', 'mosquitto'), 'service_healthy');
    assert.equal(condition('edge', 'host'), 'service_healthy');
    for (const name of ['host', 'edge']) {
      assert.equal(service(name)['build'], '.', `${name} is built from this Dockerfile`);
      assert.deepEqual(strings(obj(service(name)['healthcheck'], 'hc')['test'], 'test'), ['CMD', 'node', '/app/healthcheck.mjs']);
    }
  });

  test('the mounted configs load with the project loader and fit the stack: broker address, credentials from the environment, HTTP port, volume, primary host', async () => {
    const edgeEnv = environment('edge');
    const hostEnv = environment('host');
    const edge = await loadEdgeConfig(configFile('edge'), edgeEnv);
    const host = await loadHostConfig(configFile('host'), hostEnv);

    assert.deepEqual(edge.mqtt.servers, ['mqtt://mosquitto:1883']);
    assert.deepEqual(host.mqtt.servers, ['mqtt://mosquitto:1883']);
    assert.match(read('docker/mosquitto.conf'), /^listener 1883$/m);
    assert.equal(edge.mqtt.username, 'edge');
    assert.equal(host.mqtt.username, 'host');
    assert.equal(edge.sparkplug.primaryHostId, host.sparkplug.hostId);

    assert.deepEqual(edge.http, { host: '0.0.0.0', port: Number(edgeEnv['SPARKSTATE_HEALTH_PORT']) });
    assert.deepEqual(host.http, { host: '0.0.0.0', port: Number(hostEnv['SPARKSTATE_HEALTH_PORT']) });
    assert.deepEqual(containerPorts('edge'), [String(edge.http?.port)]);
    assert.deepEqual(containerPorts('host'), [String(host.http.port)]);

    const data = mounts('edge').find((m) => m.target === edge.storeDir);
    assert.ok(data !== undefined, `storeDir ${edge.storeDir} is a volume`);
    assert.ok(data.source in obj(compose['volumes'], 'volumes'), `${data.source} is a named volume`);
  });

  test('the host historian writes to the postgres service as its user, into its database, with its password from the environment; the mirror is on', async () => {
    const pgEnv = environment('postgres');
    const hostEnv = environment('host');
    const host = await loadHostConfig(configFile('host'), hostEnv);
    assert.ok(host.historian !== undefined, 'a historian section');
    const url = new URL(host.historian.url);
    assert.equal(url.hostname, 'postgres');
    assert.equal(url.port, '5432');
    assert.equal(url.password, '', 'no password in the mounted file');
    assert.equal(url.username, pgEnv['POSTGRES_USER']);
    assert.equal(url.pathname, `/${String(pgEnv['POSTGRES_DB'])}`);
    assert.equal(hostEnv[HISTORIAN_PASSWORD_VARIABLE], pgEnv['POSTGRES_PASSWORD']);
    const check = strings(obj(service('postgres')['healthcheck'], 'hc')['test'], 'test');
    assert.deepEqual(check.slice(0, 2), ['CMD', 'pg_isready']);
    assert.equal(check[check.indexOf('-U') + 1], pgEnv['POSTGRES_USER']);
    const data = mounts('postgres').find((m) => m.target === '/var/lib/postgresql/data');
    assert.ok(data !== undefined && data.source in obj(compose['volumes'], 'volumes'), 'the database is a named volume');
    assert.equal(host.mirror?.prefix, 'plant/values');
  });

  test('mosquitto: conf and password file mounted where the conf says; the healthcheck uses its loopback listener', () => {
    const conf = read('docker/mosquitto.conf');
    const m = mounts('mosquitto');
    assert.ok(m.some((x) => x.source === './docker/mosquitto.conf' && x.target === '/mosquitto/config/mosquitto.conf'));
    const passwordFile = /^password_file (\S+)$/m.exec(conf)?.[1];
    assert.ok(m.some((x) => x.source === './docker/passwd' && x.target === passwordFile), `passwd mounted at ${String(passwordFile)}`);
    const check = strings(obj(service('mosquitto')['healthcheck'], 'hc')['test'], 'test');
    const port = check[check.indexOf('-p') + 1];
    assert.equal(check[check.indexOf('-h') + 1], '127.0.0.1');
    assert.match(conf, new RegExp(`^listener ${String(port)} 127\\.0\\.0\\.1$`, 'm'));
  });

  test('the broker password file accepts the credentials compose gives the edge and the host, and nothing else', async (t) => {
    const broker = await startMosquitto({ allowAnonymous: false, extraConfig: `password_file ${join(ROOT, 'docker/passwd')}` });
    t.after(() => broker.dispose());
    const login = async (username: string, password: string): Promise<boolean> => {
      const client = connect(broker.url, { username, password, reconnectPeriod: 0 });
      try {
        return await new Promise<boolean>((resolve) => {
          client.once('connect', () => resolve(true));
          client.once('error', () => resolve(false));
          client.once('close', () => resolve(false));
        });
      } finally {
        await client.endAsync(true);
      }
    };
    for (const name of ['edge', 'host']) {
      const e = environment(name);
      assert.equal(await login(e['SPARKSTATE_MQTT_USERNAME'] ?? '', e['SPARKSTATE_MQTT_PASSWORD'] ?? ''), true, `${name} logs in`);
    }
    assert.equal(await login('edge', 'wrong'), false);
  });
});
