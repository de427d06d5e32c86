import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isSparkplugError } from '../../src/errors.js';
import { decodeState, encodeState, formatTopic, parseTopic, type SparkplugTopic } from '../../src/topic/index.js';

function assertTopicError(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => isSparkplugError(e) && e.code === 'SPB_ERR_INVALID_TOPIC');
}

describe('topic namespace', () => {
  test('parses and formats every node and device message type [tck-id-topic-structure]', () => {
    for (const type of ['NBIRTH', 'NDEATH', 'NDATA', 'NCMD'] as const) {
      const t: SparkplugTopic = { kind: 'node', type, group: 'Plant1', node: 'Line4' };
      const s = formatTopic(t);
      assert.equal(s, `spBv1.0/Plant1/${type}/Line4`);
      assert.deepEqual(parseTopic(s), t);
    }
    for (const type of ['DBIRTH', 'DDEATH', 'DDATA', 'DCMD'] as const) {
      const t: SparkplugTopic = { kind: 'device', type, group: 'Plant1', node: 'Line4', device: 'Filler' };
      const s = formatTopic(t);
      assert.equal(s, `spBv1.0/Plant1/${type}/Line4/Filler`);
      assert.deepEqual(parseTopic(s), t);
    }
  });

  test('parses and formats STATE topics', () => {
    assert.equal(formatTopic({ kind: 'state', hostId: 'scada' }), 'spBv1.0/STATE/scada');
    assert.deepEqual(parseTopic('spBv1.0/STATE/scada'), { kind: 'state', hostId: 'scada' });
  });

  test('rejects other namespaces [tck-id-topic-structure-namespace-a]', () => {
    assertTopicError(() => parseTopic('spAv1.0/G/NDATA/E'));
    assertTopicError(() => parseTopic('STATE/scada'));
  });

  test('device messages need a device level [tck-id-topic-structure-namespace-device-id-associated-message-types]', () => {
    assertTopicError(() => parseTopic('spBv1.0/G/DDATA/E'));
    assertTopicError(() => parseTopic('spBv1.0/G/DBIRTH/E/D/extra'));
  });

  test('node messages have no device level [tck-id-topic-structure-namespace-device-id-non-associated-message-types]', () => {
    assertTopicError(() => parseTopic('spBv1.0/G/NDATA/E/D'));
    assertTopicError(() => parseTopic('spBv1.0/STATE/h/x'));
  });

  test('rejects unknown verbs and short topics', () => {
    assertTopicError(() => parseTopic('spBv1.0/G/NFOO/E'));
    assertTopicError(() => parseTopic('spBv1.0/G'));
    assertTopicError(() => parseTopic('spBv1.0'));
  });

  test('rejects invalid ids [tck-id-intro-group-id-chars] [tck-id-intro-group-id-string] [tck-id-topic-structure-namespace-valid-group-id] [tck-id-intro-edge-node-id-chars] [tck-id-intro-edge-node-id-string] [tck-id-topic-structure-namespace-valid-edge-node-id] [tck-id-intro-device-id-chars] [tck-id-intro-device-id-string] [tck-id-topic-structure-namespace-valid-device-id]', () => {
    for (const bad of ['', 'a+b', 'a#b', 'a/b', 'a\u0000b', '\ud800']) {
      assertTopicError(() => formatTopic({ kind: 'node', type: 'NDATA', group: bad, node: 'E' }));
      assertTopicError(() => formatTopic({ kind: 'node', type: 'NDATA', group: 'G', node: bad }));
      assertTopicError(() => formatTopic({ kind: 'device', type: 'DDATA', group: 'G', node: 'E', device: bad }));
      assertTopicError(() => formatTopic({ kind: 'state', hostId: bad }));
    }
    assertTopicError(() => parseTopic('spBv1.0//NDATA/E'));
    assertTopicError(() => parseTopic('spBv1.0/G/NDATA/+'));
    assertTopicError(() => parseTopic('spBv1.0/G/DDATA/E/#'));
  });

  test('accepts unicode ids including astral characters', () => {
    const t: SparkplugTopic = { kind: 'device', type: 'DDATA', group: 'Usine Ü', node: 'Ligne-4 🏭', device: 'Füller' };
    assert.deepEqual(parseTopic(formatTopic(t)), t);
  });
});

describe('STATE payload', () => {
  test('encodes the 3.0 JSON form [tck-id-host-topic-phid-birth-payload] [tck-id-message-flow-phid-sparkplug-state-publish-payload] [tck-id-payloads-state-birth-payload] [tck-id-operational-behavior-host-application-connect-birth-payload]', () => {
    const bytes = encodeState({ online: true, timestamp: 1668114759262 });
    assert.equal(new TextDecoder().decode(bytes), '{"online":true,"timestamp":1668114759262}');
    assert.deepEqual(decodeState(bytes), { online: true, timestamp: 1668114759262 });
  });

  test('rejects malformed STATE payloads with SPB_ERR_INVALID_STATE', () => {
    const bad = [
      'ONLINE',
      '{"online":"true","timestamp":1}',
      '{"online":true,"timestamp":"1"}',
      '{"online":true,"timestamp":1.5}',
      '{"online":true}',
      '[]',
      'null',
    ];
    for (const text of bad) {
      assert.throws(
        () => decodeState(new TextEncoder().encode(text)),
        (e: unknown) => isSparkplugError(e) && e.code === 'SPB_ERR_INVALID_STATE',
        text,
      );
    }
    assert.throws(
      () => decodeState(new Uint8Array([0xff, 0xfe])),
      (e: unknown) => isSparkplugError(e) && e.code === 'SPB_ERR_INVALID_STATE',
    );
  });
});
