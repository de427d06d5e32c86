/** mirror.leftoverGraceMs in the host config: default 30000, a whole number of ms up to a day. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHostConfig } from '../../src/config/index.js';
import { configError } from '../config/helpers.js';

const base = 'mqtt: { servers: ["mqtt://h"] }\nsparkplug: { hostId: h }\n';
const parse = (mirror: string) => parseHostConfig(`${base}mirror: { prefix: p${mirror} }\n`, {}, 'host.yaml', '/cfg');

test('mirror.leftoverGraceMs: absent is 30000; 0 and a day are taken', async () => {
  assert.equal((await parse('')).mirror?.leftoverGraceMs, 30_000);
  assert.equal((await parse(', leftoverGraceMs: 0')).mirror?.leftoverGraceMs, 0);
  assert.equal((await parse(', leftoverGraceMs: 86400000')).mirror?.leftoverGraceMs, 86_400_000);
});

test('mirror.leftoverGraceMs: negative, fractional, over a day or not a number is refused with its path', async () => {
  for (const v of ['-1', '1.5', '86400001', 'soon']) {
    const e = await configError(parse(`, leftoverGraceMs: ${v}`));
    assert.deepEqual(
      e.issues.map((i) => i.path),
      ['mirror.leftoverGraceMs'],
      v,
    );
    assert.match(e.message, /mirror\.leftoverGraceMs/, v);
  }
});
