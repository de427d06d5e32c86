/** Topics and JSON payloads of the mirror (format.ts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { metricJson, metricPayload, metricTopic } from '../../src/mirror/index.js';

describe('mirror format', () => {
  it('topics: prefix/group/node/[device/]name; / in a name makes levels; + # NUL and % percent-encoded, so names never collide', () => {
    assert.equal(metricTopic('p/v1', 'G', 'N', undefined, 'Motor/Speed'), 'p/v1/G/N/Motor/Speed');
    assert.equal(metricTopic('p', 'G', 'N', 'D', 'x'), 'p/G/N/D/x');
    assert.equal(metricTopic('p', 'G', 'N', undefined, 'a+b#c\0d'), 'p/G/N/a%2Bb%23c%00d');
    // "%2B" literally is not "+": the % is encoded too.
    assert.equal(metricTopic('p', 'G', 'N', undefined, 'a%2B'), 'p/G/N/a%252B');
    assert.notEqual(metricTopic('p', 'G', 'N', undefined, 'a+'), metricTopic('p', 'G', 'N', undefined, 'a%2B'));
  });

  it('payload: value, timestamp, datatype, quality; 64-bit integer types always decimal strings', () => {
    assert.equal(metricPayload('Int64', 5, 1700000000000, 'good'), '{"value":"5","timestamp":1700000000000,"datatype":"Int64","quality":"good"}');
    assert.deepEqual(JSON.parse(metricPayload('UInt64', 18446744073709551615n, 1, 'stale')), { value: '18446744073709551615', timestamp: 1, datatype: 'UInt64', quality: 'stale' });
    assert.equal(JSON.parse(metricPayload('DateTime', 1700000000000, 1, 'offline')).value, '1700000000000');
    assert.equal(JSON.parse(metricPayload('Int32', -7, 1, 'good')).value, -7);
    assert.equal(JSON.parse(metricPayload('Double', Number.NaN, 1, 'good')).value, 'NaN');
    assert.equal(JSON.parse(metricPayload('Float', Number.NEGATIVE_INFINITY, 1, 'good')).value, '-Infinity');
    assert.equal(JSON.parse(metricPayload('String', 'a"b', 1, 'good')).value, 'a"b');
    assert.equal(JSON.parse(metricPayload('Boolean', null, 1, 'good')).value, null);
  });

  it('Bytes and File as base64; arrays as JSON arrays, 64-bit ones of strings', () => {
    assert.equal(metricJson('Bytes', new Uint8Array([1, 2, 255])), 'AQL/');
    assert.equal(metricJson('File', new Uint8Array([0])), 'AA==');
    assert.deepEqual(metricJson('Int64Array', [1, 2n ** 63n - 1n]), ['1', '9223372036854775807']);
    assert.deepEqual(metricJson('DateTimeArray', [0]), ['0']);
    assert.deepEqual(metricJson('Int8Array', [-1, 2]), [-1, 2]);
    assert.deepEqual(metricJson('BooleanArray', [true, false]), [true, false]);
    assert.deepEqual(metricJson('StringArray', ['a', '']), ['a', '']);
  });

  it('DataSet as {columns, types, rows}, cells by column type; Template as {templateRef, parameters, metrics}', () => {
    const ds = metricJson('DataSet', { columns: ['n', 'big', 'ok'], types: ['Int32', 'Int64', 'Boolean'], rows: [[1, 2n ** 60n, true], [2, 3, null]] });
    assert.deepEqual(ds, { columns: ['n', 'big', 'ok'], types: ['Int32', 'Int64', 'Boolean'], rows: [[1, '1152921504606846976', true], [2, '3', null]] });
    const tpl = metricJson('Template', {
      templateRef: 'Motor',
      version: '1',
      parameters: [{ name: 'serial', type: 'UInt64', value: 9 }],
      metrics: [
        { name: 'rpm', type: 'Int64', value: 1500, timestamp: 5 },
        { name: 'inner', type: 'Template', value: { templateRef: 'Bearing', metrics: [{ name: 't', type: 'Float', value: 1.5 }] } },
      ],
    });
    assert.deepEqual(tpl, {
      templateRef: 'Motor',
      version: '1',
      parameters: [{ name: 'serial', type: 'UInt64', value: '9' }],
      metrics: [
        { name: 'rpm', datatype: 'Int64', value: '1500', timestamp: 5 },
        { name: 'inner', datatype: 'Template', value: { templateRef: 'Bearing', parameters: [], metrics: [{ name: 't', datatype: 'Float', value: 1.5 }] } },
      ],
    });
  });
});
