/**
 * `sparkstate decode`: every input form and every kind of garbage in-process, then the built CLI
 * for what only a process shows (stdout, stderr, exit status).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test, type TestContext } from 'node:test';
import { decodeBytes, decodeInput, type DecodeOptions } from '../../src/cli/decode-command.js';
import { toJson } from '../../src/cli/json.js';
import { encodePayload } from '../../src/payload/index.js';
import { MAIN } from './cli-process.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: readonly string[], stdin?: Uint8Array): Promise<Run> {
  const child = spawn(process.execPath, [MAIN, 'decode', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(stdin);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** What the command prints for these arguments, in-process. */
async function decoded(input: string | undefined, opts: DecodeOptions = {}, stdin: Uint8Array = new Uint8Array()): Promise<unknown> {
  return JSON.parse(toJson(decodeBytes(await decodeInput(input, opts, Readable.from([Buffer.from(stdin)])))));
}

function tempFiles(t: TestContext): (name: string, content: string | Uint8Array) => string {
  const dir = mkdtempSync(join(tmpdir(), 'sparkstate-decode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return (name, content) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
}

const PAYLOAD = encodePayload({
  timestamp: 1_700_000_000_000,
  seq: 3,
  metrics: [
    { name: 'Temp', alias: 1, type: 'Double', value: 21.5 },
    { name: 'Big', type: 'UInt64', value: 2n ** 63n },
  ],
});
const EXPECTED = {
  timestamp: 1_700_000_000_000,
  seq: 3,
  metrics: [
    { name: 'Temp', alias: 1, type: 'Double', value: 21.5 },
    { name: 'Big', type: 'UInt64', value: '9223372036854775808' },
  ],
};
const HEX = Buffer.from(PAYLOAD).toString('hex');
const B64 = Buffer.from(PAYLOAD).toString('base64');

test('decode: a file (binary, hex text, base64 text), --file, stdin (-), a hex argument and --base64 all give the same payload', async (t) => {
  const file = tempFiles(t);
  const bin = file('payload.bin', PAYLOAD);
  const forms: [string, Promise<unknown>][] = [
    ['binary file', decoded(bin)],
    ['--file', decoded(undefined, { file: bin })],
    ['hex file, spaced', decoded(file('payload.hex', `${HEX.replace(/(..)/g, '$1 ').trim()}\n`))],
    ['base64 file, wrapped', decoded(file('payload.b64', `${B64.slice(0, 20)}\n${B64.slice(20)}\n`))],
    ['stdin binary', decoded('-', {}, PAYLOAD)],
    ['stdin 0x hex', decoded('-', {}, Buffer.from(`0x${HEX}\n`))],
    ['hex argument with colons', decoded(HEX.replace(/(..)(?!$)/g, '$1:'))],
    ['--base64', decoded(undefined, { base64: B64 })],
    ['--base64 url-safe', decoded(undefined, { base64: Buffer.from(PAYLOAD).toString('base64url') })],
  ];
  for (const [form, result] of forms) assert.deepEqual(await result, EXPECTED, form);
});

test('decode: garbage is refused with a clear message, never decoded to an empty payload', async (t) => {
  const file = tempFiles(t);
  const text = file('notes.txt', 'hello world\n');
  const junk = file('junk.bin', Buffer.from([0x08, 0x96, 0x01, 0x6a, 0xff, 0xff]));
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ['hello', () => decoded('hello'), /^decode: "hello" is neither a readable file \(no such file\) nor hex bytes$/],
    ['payload.bin (missing)', () => decoded('payload.bin'), /^decode: "payload\.bin" is neither a readable file \(no such file\) nor hex bytes$/],
    ['odd, base64-like', () => decoded('abc'), /nor hex bytes; for base64 use --base64$/],
    ['a directory', () => decoded(tmpdir()), /is neither a readable file \(not a regular file\) nor hex bytes/],
    ['a text file', () => decoded(text), /^decode: .*notes\.txt holds text that is neither hex nor base64$/],
    ['text on stdin', () => decoded('-', {}, Buffer.from('not hex at all\n')), /^decode: stdin holds text that is neither hex nor base64$/],
    ['empty stdin', () => decoded('-'), /^decode: the input is empty$/],
    ['bad base64', () => decoded(undefined, { base64: 'a!b' }), /^decode: --base64: not valid base64$/],
    ['"hello" as base64', () => decoded(undefined, { base64: 'aGVsbG8=' }), /^unsupported wire type/],
    ['junk bytes', () => decoded(junk), /truncated varint/],
    ['only an unknown field', () => decoded('7a00'), /^no Sparkplug B field \(timestamp, metrics, seq, uuid, body\) in 2 bytes: not a Sparkplug B payload$/],
    ['two inputs', () => decoded('0801', { base64: 'CAE=' }), /^decode: give exactly one of FILE, -, HEX, --file FILE or --base64 B64$/],
    ['no input', () => decoded(undefined), /^decode: give exactly one of/],
  ];
  for (const [what, attempt, message] of cases) {
    await assert.rejects(attempt(), (e: unknown) => {
      assert.ok(e instanceof Error, what);
      assert.match(e.message, message, what);
      return true;
    }, what);
  }
  await assert.rejects(decoded(junk), { code: 'SPB_ERR_DECODE' });
});

test('decode CLI: JSON on stdout and exit 0 for stdin; garbage and undecodable bytes exit 1 with the message on stderr', async () => {
  const [fromStdin, hello, undecodable] = await Promise.all([run(['-'], PAYLOAD), run(['hello']), run(['ffff'])]);
  assert.equal(fromStdin.code, 0, fromStdin.stderr);
  assert.deepEqual(JSON.parse(fromStdin.stdout), EXPECTED);
  assert.deepEqual(hello, { code: 1, stdout: '', stderr: 'sparkstate: decode: "hello" is neither a readable file (no such file) nor hex bytes\n' });
  assert.equal(undecodable.code, 1);
  assert.equal(undecodable.stdout, '');
  assert.match(undecodable.stderr, /^sparkstate: SPB_ERR_DECODE: truncated varint/);
});
