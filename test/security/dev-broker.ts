/**
 * The broker of config/mosquitto/dev-setup.sh, run as a user would run it: the script writes a
 * temp dir for a free port, and Mosquitto runs that mosquitto.conf (plus log lines, and optionally
 * a second TLS listener that requires a client certificate, for the client certificate tests).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scope } from '../host/broker-helpers.js';
import { freePort, startMosquitto, type Broker } from '../helpers/mosquitto.js';

/** build/test/security/ → the repository's config/mosquitto/dev-setup.sh */
export const DEV_SETUP = fileURLToPath(new URL('../../../config/mosquitto/dev-setup.sh', import.meta.url));

export type User = 'scada' | 'edge1' | 'edge2' | 'viewer';

export interface DevBroker {
  readonly broker: Broker;
  /** What dev-setup.sh wrote (ca.crt, ca.key, credentials.env, …). */
  readonly dir: string;
  /** mqtts://127.0.0.1:<port> */
  readonly url: string;
  readonly ca: Buffer;
  readonly passwords: Readonly<Record<User, string>>;
  /** mqtts:// URL of the listener with `require_certificate true`, when asked for. */
  readonly mtlsUrl?: string;
}

export interface DevBrokerOptions {
  /** A second listener that requires a client certificate from the same CA (user = certificate CN). */
  readonly mtls?: boolean;
  /** Mosquitto's debug log (it names every denied PUBLISH and SUBSCRIBE). */
  readonly debugLog?: boolean;
  /** Drops the acl_file line: passwords and TLS only, what Sparkplug alone gives. */
  readonly withoutAcl?: boolean;
}

export async function startDevBroker(s: Scope, opts: DevBrokerOptions = {}): Promise<DevBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-devbroker-'));
  s.after(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  execFileSync('bash', [DEV_SETUP, dir, String(port)], { stdio: 'pipe' });
  const mtlsPort = opts.mtls === true ? await freePort() : undefined;
  const extra = [
    ...(opts.debugLog === true ? ['log_type debug'] : []),
    ...(mtlsPort === undefined
      ? []
      : [
          `listener ${mtlsPort} 127.0.0.1`,
          `cafile ${dir}/ca.crt`,
          `certfile ${dir}/server.crt`,
          `keyfile ${dir}/server.key`,
          'require_certificate true',
          'use_identity_as_username true',
        ]),
  ];
  let conf = readFileSync(join(dir, 'mosquitto.conf'), 'utf8');
  if (opts.withoutAcl === true) conf = conf.replace(/^acl_file .*$/m, '');
  const broker = await startMosquitto({ port, baseConfig: conf, extraConfig: extra.join('\n') });
  s.after(() => broker.dispose());
  return {
    broker,
    dir,
    url: `mqtts://127.0.0.1:${port}`,
    ca: readFileSync(join(dir, 'ca.crt')),
    passwords: readCredentials(join(dir, 'credentials.env')),
    ...(mtlsPort === undefined ? {} : { mtlsUrl: `mqtts://127.0.0.1:${mtlsPort}` }),
  };
}

function readCredentials(file: string): Record<User, string> {
  const env = new Map(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  const get = (k: string): string => {
    const v = env.get(k);
    if (v === undefined || v.length < 16) throw new Error(`credentials.env: ${k} missing or short`);
    return v;
  };
  return { scada: get('SCADA_PASSWORD'), edge1: get('EDGE1_PASSWORD'), edge2: get('EDGE2_PASSWORD'), viewer: get('VIEWER_PASSWORD') };
}

/** A key and certificate for `cn`, signed by the CA in `caDir` (ca.crt, ca.key); `days` -1 makes it expired. */
export function clientCertificate(caDir: string, outDir: string, name: string, cn: string, days: number): { cert: Buffer; key: Buffer } {
  const ssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: outDir, stdio: 'ignore' });
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
  ssl('x509', '-req', '-in', `${name}.csr`, '-CA', join(caDir, 'ca.crt'), '-CAkey', join(caDir, 'ca.key'), '-CAcreateserial',
    '-out', `${name}.crt`, '-days', String(days));
  return { cert: readFileSync(join(outDir, `${name}.crt`)), key: readFileSync(join(outDir, `${name}.key`)) };
}

/** A second, unrelated CA in `dir` (ca.crt, ca.key): what "a certificate from another CA" is issued by. */
export function otherCa(dir: string): Buffer {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=some other CA'], { cwd: dir, stdio: 'ignore' });
  return readFileSync(join(dir, 'ca.crt'));
}
