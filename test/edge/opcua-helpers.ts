/** OPC UA end-to-end tests: edge YAML for test-server variables, the CLI edge as a child process, expected Sparkplug values. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OpcuaTestValue, OpcuaTestVariable } from '../helpers/opcua-variables.js';
import type { Scope } from '../host/broker-helpers.js';

// build/test/edge/ → build/src/cli/main.js (what `npm test` compiles)
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export interface OpcuaDeviceYaml {
  readonly id: string;
  readonly endpoint: string;
  readonly variables: readonly OpcuaTestVariable[];
  /** Names of the variables whose metrics accept writes. */
  readonly writable?: readonly string[];
}

/** An edge config with one metric per variable (named like it), fast scans and fast reconnects. */
export function edgeYaml(brokerUrl: string, group: string, node: string, devices: readonly OpcuaDeviceYaml[], o: { simulated?: boolean } = {}): string {
  const lines = [
    'mqtt:',
    `  servers: [${JSON.stringify(brokerUrl)}]`,
    '  backoff: { initialMs: 100, maxMs: 500 }',
    'sparkplug:',
    `  groupId: ${group}`,
    `  edgeNodeId: ${node}`,
    'scanIntervalMs: 50',
    'storeDir: ./store', // beside the config file, in the test's temp dir
    'storeAndForward: { enabled: false }',
    'logLevel: info',
    'devices:',
  ];
  for (const d of devices) {
    lines.push(`  - id: ${d.id}`, '    source: opcua', `    endpoint: ${d.endpoint}`, '    publishingIntervalMs: 50', '    samplingMs: 0', '    metrics:');
    for (const v of d.variables) {
      const writable = d.writable?.includes(v.name) === true ? ', writable: true' : '';
      lines.push(`      - { name: ${JSON.stringify(v.name)}, nodeId: ${JSON.stringify(v.nodeId)}${writable} }`);
    }
  }
  if (o.simulated === true) {
    lines.push('  - id: Sim', '    metrics:', '      - { name: Ramp, type: Double, generator: ramp, min: 0, max: 1000, periodMs: 60000 }');
  }
  return `${lines.join('\n')}\n`;
}

/** Writes `text` to `edge.yaml` in a temp dir (which also holds the store) removed after the test. */
export function writeTemp(s: Scope, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-opcua-'));
  s.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'edge.yaml');
  writeFileSync(file, text);
  return file;
}

export interface EdgeProcess {
  readonly exited: Promise<number | null>;
  stderr(): string;
}

/** `sparkstate edge --config FILE` as its own process; SIGKILLed after the test if still running. */
export function spawnEdge(s: Scope, configFile: string): EdgeProcess {
  const child = spawn(process.execPath, [MAIN, 'edge', '--config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  s.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  });
  return { exited, stderr: () => stderr };
}

/** Runs the CLI to its end: exit code, stdout and stderr. */
export async function runCli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { code, stdout, stderr };
}

const SCALAR_TYPES: Record<string, string> = {
  Boolean: 'Boolean',
  SByte: 'Int8',
  Byte: 'UInt8',
  Int16: 'Int16',
  UInt16: 'UInt16',
  Int32: 'Int32',
  UInt32: 'UInt32',
  Int64: 'Int64',
  UInt64: 'UInt64',
  Float: 'Float',
  Double: 'Double',
  String: 'String',
  DateTime: 'DateTime',
  ByteString: 'Bytes',
  Guid: 'UUID',
  LocalizedText: 'String',
};

/** The Sparkplug datatype the README's mapping table gives a variable. */
export function expectedType(v: OpcuaTestVariable): string {
  const scalar = SCALAR_TYPES[v.dataType] ?? '?';
  return v.valueRank === 1 ? `${scalar}Array` : scalar;
}

/** 64-bit integers as the decoder gives them: a number while safe, a bigint beyond. */
function int64(b: bigint): number | bigint {
  return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
}

/** The value a subscriber should decode for a variable's initial value. */
export function expectedValue(v: OpcuaTestVariable): unknown {
  return expectedOf(v.initial);
}

function expectedOf(value: OpcuaTestValue): unknown {
  if (typeof value === 'bigint') return int64(value);
  if (value instanceof Date) return value.getTime();
  if (Buffer.isBuffer(value)) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map((x: unknown) => (typeof x === 'bigint' ? int64(x) : x));
  if (typeof value === 'object' && value !== null && 'text' in value) return value.text;
  return value;
}

/** A decoded value in the shape `expectedValue` uses (bytes as a plain list). */
export function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  return value;
}
