// docs/conformance.md points at src lines and test names; this fails as soon as code moves under it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DOC, defaultRoot, refresh } from './refresh.js';

test('docs/conformance.md is current with the tck-id tags in src/ and test/', () => {
  const { text, problems } = refresh(defaultRoot);
  assert.deepEqual(problems, [], 'a status claims what the tags no longer show; fix the status or the tags by hand');
  const onDisk = readFileSync(join(defaultRoot, DOC), 'utf8');
  // compare without the full text in the message: the doc is ~60 kB and the first changed line says enough
  const [old, now] = [onDisk.split('\n'), text.split('\n')];
  const first = old.findIndex((line, i) => line !== now[i]);
  const where = first < 0 ? old.length + 1 : first + 1;
  assert.ok(onDisk === text, `${DOC} is stale (first at line ${where}): run \`node build/test/conformance/refresh.js\``);
});
