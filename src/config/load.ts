/**
 * From YAML text (or a file) to a validated config: parse, apply environment overrides, validate,
 * then read TLS files and resolve paths relative to the config file. Every problem of every step
 * ends up in one ConfigError.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { MqttFileConfig } from './common.js';
import { edgeSchema } from './edge.js';
import type { EdgeFileConfig } from './edge.js';
import { ConfigError } from './error.js';
import type { ConfigIssue } from './error.js';
import { hostSchema } from './host.js';
import type { HostFileConfig } from './host.js';
import { errorMap, toConfigIssues } from './issues.js';

/** TLS material read from the files named in `mqtt.tls`, ready for the MQTT client. */
export interface TlsConfig {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly rejectUnauthorized: boolean;
}

export type MqttConfig = Omit<MqttFileConfig, 'tls'> & { readonly tls?: TlsConfig };
/** `storeDir` is absolute once loaded (edge and host). */
export type EdgeConfig = Omit<EdgeFileConfig, 'mqtt'> & { readonly mqtt: MqttConfig };
export type HostConfig = Omit<HostFileConfig, 'mqtt' | 'mirror'> & { readonly mqtt: MqttConfig; readonly mirror?: MirrorConfig };
/** The `mirror:` section once loaded (its own `mqtt` with TLS files read). */
export type MirrorConfig = Omit<NonNullable<HostFileConfig['mirror']>, 'mqtt'> & { readonly mqtt?: MqttConfig };

/** Secrets come from the environment so that config files can be committed. */
const ENV_OVERRIDES = [
  ['SPARKSTATE_MQTT_USERNAME', 'username'],
  ['SPARKSTATE_MQTT_PASSWORD', 'password'],
] as const;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseYaml(text: string, file: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    // Only the first line of yaml's message: the rest quotes the source, which may hold a secret.
    const issues = doc.errors.map((e) => {
      const where = e.linePos === undefined ? '' : `line ${e.linePos[0].line}, column ${e.linePos[0].col}: `;
      const what = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '').replace(/: ".*"$/, '');
      return { path: '', message: `${where}YAML syntax error: ${what}` };
    });
    throw new ConfigError(file, issues);
  }
  return doc.toJS();
}

/** An empty variable counts as unset: container tooling often defines variables it has no value for. */
function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

/** `SPARKSTATE_OPCUA_PASSWORD_PRESS_1` for device `Press-1`: upper case, anything else than A-Z0-9 as `_`. */
export function opcuaPasswordVariable(deviceId: string): string {
  return `SPARKSTATE_OPCUA_PASSWORD_${deviceId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

function applyEnvOverrides(raw: unknown, env: NodeJS.ProcessEnv): void {
  if (!isRecord(raw)) return;
  const mqtt = raw['mqtt'];
  if (isRecord(mqtt)) {
    for (const [name, key] of ENV_OVERRIDES) {
      const value = envValue(env, name);
      if (value !== undefined) mqtt[key] = value;
    }
  }
  // OPC UA passwords: one variable per device, else one for every OPC UA device with a username.
  const devices = raw['devices'];
  if (!Array.isArray(devices)) return;
  for (const d of devices) {
    if (!isRecord(d) || d['source'] !== 'opcua' || d['username'] === undefined) continue;
    const value = (typeof d['id'] === 'string' ? envValue(env, opcuaPasswordVariable(d['id'])) : undefined) ?? envValue(env, 'SPARKSTATE_OPCUA_PASSWORD');
    if (value !== undefined) d['password'] = value;
  }
}

async function readTls(mqtt: MqttFileConfig, baseDir: string, issues: ConfigIssue[], section = 'mqtt'): Promise<MqttConfig> {
  const { tls, ...rest } = mqtt;
  if (tls === undefined) return rest;
  const material: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const name of ['ca', 'cert', 'key'] as const) {
    const path = tls[name];
    if (path === undefined) continue;
    try {
      material[name] = await readFile(resolve(baseDir, path));
    } catch (e: unknown) {
      const reason = isRecord(e) && typeof e['code'] === 'string' ? e['code'] : 'unreadable';
      issues.push({ path: `${section}.tls.${name}`, message: `cannot read file "${path}" (${reason})` });
    }
  }
  return { ...rest, tls: { ...material, rejectUnauthorized: tls.rejectUnauthorized } };
}

async function parseWith<S extends z.ZodType>(
  schema: S,
  text: string,
  env: NodeJS.ProcessEnv,
  file: string,
): Promise<z.output<S>> {
  const raw = parseYaml(text, file);
  if (raw === null || raw === undefined) throw new ConfigError(file, [{ path: '', message: 'the file is empty' }]);
  applyEnvOverrides(raw, env);
  const result = schema.safeParse(raw, { error: errorMap });
  if (!result.success) throw new ConfigError(file, toConfigIssues(result.error.issues));
  return result.data;
}

/**
 * Parses edge YAML. Relative paths (storeDir, TLS files) resolve against `baseDir`; `sourceName`
 * is the file name used in messages.
 */
export async function parseEdgeConfig(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  sourceName = 'edge.yaml',
  baseDir = process.cwd(),
): Promise<EdgeConfig> {
  const parsed = await parseWith(edgeSchema, text, env, sourceName);
  const issues: ConfigIssue[] = [];
  const mqtt = await readTls(parsed.mqtt, baseDir, issues);
  if (issues.length > 0) throw new ConfigError(sourceName, issues);
  const devices = parsed.devices.map((d) =>
    d.source === 'opcua'
      ? {
          ...d,
          ...(d.certificate === undefined ? {} : { certificate: resolve(baseDir, d.certificate) }),
          ...(d.privateKey === undefined ? {} : { privateKey: resolve(baseDir, d.privateKey) }),
        }
      : d,
  );
  return { ...parsed, mqtt, devices, storeDir: resolve(baseDir, parsed.storeDir) };
}

export async function parseHostConfig(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
  sourceName = 'host.yaml',
  baseDir = process.cwd(),
): Promise<HostConfig> {
  const parsed = await parseWith(hostSchema, text, env, sourceName);
  const issues: ConfigIssue[] = [];
  const mqtt = await readTls(parsed.mqtt, baseDir, issues);
  const { mirror: mirrorFile, ...rest } = parsed;
  let mirror: MirrorConfig | undefined;
  if (mirrorFile !== undefined) {
    const { mqtt: mirrorMqtt, ...m } = mirrorFile;
    mirror = mirrorMqtt === undefined ? m : { ...m, mqtt: await readTls(mirrorMqtt, baseDir, issues, 'mirror.mqtt') };
  }
  if (issues.length > 0) throw new ConfigError(sourceName, issues);
  return { ...rest, mqtt, storeDir: resolve(baseDir, parsed.storeDir), ...(mirror === undefined ? {} : { mirror }) };
}

async function readConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e: unknown) {
    const reason = isRecord(e) && typeof e['code'] === 'string' ? e['code'] : 'unreadable';
    throw new ConfigError(basename(path), [{ path: '', message: `cannot read config file "${path}" (${reason})` }], { cause: e });
  }
}

export async function loadEdgeConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<EdgeConfig> {
  return parseEdgeConfig(await readConfigFile(path), env, basename(path), dirname(resolve(path)));
}

export async function loadHostConfig(path: string, env: NodeJS.ProcessEnv = process.env): Promise<HostConfig> {
  return parseHostConfig(await readConfigFile(path), env, basename(path), dirname(resolve(path)));
}
