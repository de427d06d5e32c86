import { readFile } from 'node:fs/promises';
import { decodePayload } from '../payload/index.js';
import { toJson } from './json.js';

/** Prints a Sparkplug B payload as JSON; input is hex text or, with --file, raw bytes. */
export async function decodeCommand(input: string | undefined, opts: { file?: string }): Promise<void> {
  let bytes: Uint8Array;
  if (opts.file !== undefined) bytes = await readFile(opts.file);
  else if (input !== undefined) bytes = Buffer.from(input.replace(/[\s:]/g, ''), 'hex');
  else throw new Error('give a hex string or --file <path>');
  process.stdout.write(`${toJson(decodePayload(bytes), 2)}\n`);
}
