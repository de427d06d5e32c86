/**
 * Decodes a captured Sparkplug B payload (the raw bytes of one MQTT message) and prints its metrics.
 * No broker needed.
 *
 *   npx tsc -p tsconfig.json
 *   node build/examples/decode-payload.js [file]
 *
 * Without a file it reads examples/tank1-dbirth.bin: the DBIRTH of edge-custom-source.js's tank,
 * captured from the broker (`mosquitto_sub -N -C 1 -t spBv1.0/Examples/DBIRTH/Tank1/Tank > file` does it).
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { decodePayload, type DecodedMetric } from '../src/index.js';
import { valueText } from './common.js';

// Compiled to build/examples/: the captured file stays in examples/.
const file = process.argv[2] ?? fileURLToPath(new URL('../../examples/tank1-dbirth.bin', import.meta.url));

/** `Level alias=1 Double = 1.25 {engUnit: "m"}` */
function show(m: DecodedMetric): string {
  const alias = m.alias === undefined ? '' : ` alias=${String(m.alias)}`;
  const value = m.isNull === true ? 'null' : valueText(m.value);
  const props = Object.entries(m.properties ?? {}).map(([k, p]) => `${k}: ${valueText(p.value)}`);
  return `${m.name ?? '(no name)'}${alias} ${m.type ?? '(no type)'} = ${value}${props.length > 0 ? ` {${props.join(', ')}}` : ''}`;
}

const payload = decodePayload(await readFile(file));
const at = payload.timestamp === undefined ? 'none' : new Date(Number(payload.timestamp)).toISOString();
console.log(`timestamp ${at}, seq ${String(payload.seq)}, ${payload.metrics?.length ?? 0} metrics`);
for (const m of payload.metrics ?? []) console.log(`  ${show(m)}`);
