/**
 * `sparkstate decode FILE | - | HEX | --base64 B64`: one Sparkplug B payload as JSON.
 *
 * Garbage must not come out as a valid-looking payload: protobuf reads almost any byte string
 * (unknown fields are skipped), so input that is neither a readable file nor hex/base64 is refused
 * before decoding, and a text file must hold hex or base64 (a real payload is never all printable
 * text: its first byte is a field tag such as 0x08, 0x12 or 0x18).
 */
import { readFile, stat } from 'node:fs/promises';
import { buffer } from 'node:stream/consumers';
import { InvalidArgumentError } from 'commander';
import { SparkplugDecodeError } from '../errors.js';
import { decodePayload, type DecodedPayload } from '../payload/index.js';
import { toJson } from './json.js';

export interface DecodeOptions {
  /** Raw bytes, or hex/base64 text, from a file (the positional FILE does the same). */
  file?: string;
  base64?: string;
}

/** `HEX` form: optional 0x prefix, optional whitespace or ':' between bytes. */
const HEX = /^(?:0x)?((?:[0-9a-f]{2})+)$/i;
/** Standard or URL-safe alphabet, optional padding. */
const BASE64 = /^(?:[A-Za-z0-9+/]+|[A-Za-z0-9_-]+)={0,2}$/;

export async function decodeCommand(input: string | undefined, opts: DecodeOptions): Promise<void> {
  process.stdout.write(`${toJson(decodeBytes(await decodeInput(input, opts, process.stdin)), 2)}\n`);
}

/** The payload bytes the arguments point at; `stdin` is read for `-`. */
export async function decodeInput(input: string | undefined, opts: DecodeOptions, stdin: NodeJS.ReadableStream): Promise<Uint8Array> {
  const given = [input, opts.file, opts.base64].filter((x) => x !== undefined).length;
  if (given !== 1) throw new InvalidArgumentError('decode: give exactly one of FILE, -, HEX, --file FILE or --base64 B64');
  const bytes = await inputBytes(input, opts, stdin);
  if (bytes.length === 0) throw new InvalidArgumentError('decode: the input is empty');
  return bytes;
}

/** decodePayload, refusing bytes in which not one Sparkplug field was found. */
export function decodeBytes(bytes: Uint8Array): DecodedPayload {
  const payload = decodePayload(bytes);
  // Protobuf skips fields it does not know, so stray bytes can "decode" to nothing at all.
  if (Object.values(payload).every((v) => v === undefined || (Array.isArray(v) && v.length === 0))) {
    throw new SparkplugDecodeError(`no Sparkplug B field (timestamp, metrics, seq, uuid, body) in ${bytes.length} bytes: not a Sparkplug B payload`);
  }
  return payload;
}

async function inputBytes(input: string | undefined, opts: DecodeOptions, stdin: NodeJS.ReadableStream): Promise<Uint8Array> {
  if (opts.base64 !== undefined) {
    const bytes = fromBase64(opts.base64);
    if (bytes === undefined) throw new InvalidArgumentError('decode: --base64: not valid base64');
    return bytes;
  }
  if (opts.file !== undefined) return fromContent(await readFile(opts.file), opts.file);
  if (input === '-') return fromContent(await buffer(stdin), 'stdin');
  if (input === undefined) throw new InvalidArgumentError('decode: no input');
  const file = await stat(input).catch(() => undefined);
  if (file?.isFile() === true) return fromContent(await readFile(input), input);
  const hex = fromHex(input);
  if (hex !== undefined) return hex;
  const why = file === undefined ? 'no such file' : 'not a regular file';
  const hint = fromBase64(input) === undefined ? '' : '; for base64 use --base64';
  throw new InvalidArgumentError(`decode: ${JSON.stringify(input)} is neither a readable file (${why}) nor hex bytes${hint}`);
}

/** File or stdin contents: hex or base64 text is converted, anything with non-text bytes is the payload itself. */
function fromContent(content: Uint8Array, source: string): Uint8Array {
  if (content.length === 0 || !isText(content)) return content;
  const text = Buffer.from(content).toString('latin1');
  const bytes = fromHex(text) ?? fromBase64(text);
  if (bytes === undefined) throw new InvalidArgumentError(`decode: ${source} holds text that is neither hex nor base64`);
  return bytes;
}

function isText(bytes: Uint8Array): boolean {
  return bytes.every((b) => b === 0x09 || b === 0x0a || b === 0x0d || (b >= 0x20 && b <= 0x7e));
}

function fromHex(text: string): Uint8Array | undefined {
  const m = HEX.exec(text.replace(/[\s:]/g, ''));
  return m?.[1] === undefined ? undefined : Buffer.from(m[1], 'hex');
}

function fromBase64(text: string): Uint8Array | undefined {
  const compact = text.replace(/\r?\n/g, ''); // line breaks only: spaces mean it is some other text
  const unpadded = compact.replace(/=+$/, '');
  // A length of 4k+1 characters cannot be base64; padding, when present, completes a group of 4.
  if (!BASE64.test(compact) || unpadded.length % 4 === 1 || (compact !== unpadded && compact.length % 4 !== 0)) return undefined;
  return Buffer.from(compact, compact.includes('-') || compact.includes('_') ? 'base64url' : 'base64');
}

