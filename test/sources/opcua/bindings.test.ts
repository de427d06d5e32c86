import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataType, NodeId } from 'node-opcua-client';
import { ErrorCodes, isSparkplugError } from '../../../src/errors.js';
import { Bindings } from '../../../src/sources/opcua/bindings.js';
import { shapeOf } from '../../../src/sources/opcua/datatypes.js';
import type { Binding, Resolution } from '../../../src/sources/opcua/resolve.js';
import { deviceConfig, metric } from './helpers.js';

function binding(name: string, builtin: DataType, valueRank = -1): Binding {
  const shape = shapeOf(builtin, valueRank);
  if ('problem' in shape) throw new Error(shape.problem);
  return { nodeId: new NodeId(NodeId.NodeIdType.STRING, name, 1), shape };
}

const config = deviceConfig('opc.tcp://plc:4840', [
  metric('Speed', 'ns=1;s=Speed', { unit: 'm/min', deadband: { kind: 'absolute', value: 0.5 } }),
  metric('Serial', 'ns=1;s=Serial'),
  metric('Counts', 'ns=1;s=Counts'),
]);

const good: Resolution = {
  bindings: [binding('Speed', DataType.Double), binding('Serial', DataType.LocalizedText), binding('Counts', DataType.Int64, 1)],
  problems: [],
};

describe('OPC UA metric bindings', () => {
  it('define the metrics from the server types, in config order', () => {
    const b = new Bindings(config);
    assert.equal(b.defined, false);
    b.define(good);
    assert.deepEqual(
      b.metrics.map((m) => [m.name, m.type]),
      [
        ['Speed', 'Double'],
        ['Serial', 'String'],
        ['Counts', 'Int64Array'],
      ],
    );
    assert.deepEqual(b.metrics[0]?.properties, { engUnit: { type: 'String', value: 'm/min' } });
    assert.equal(b.converters[1]?.({ text: 'SN-1', locale: 'en' }), 'SN-1');
    assert.deepEqual(b.converters[2]?.([[0, 1], [0xffffffff, 0xffffffff]]), [1, -1]);
  });

  it('refuse a first resolution with problems, listing every metric in one SPB_ERR_SOURCE', () => {
    const b = new Bindings(config);
    const resolution: Resolution = {
      bindings: [binding('Speed', DataType.String), undefined, binding('Counts', DataType.Int64, 1)],
      problems: [{ index: 1, problem: 'the server has no such node (BadNodeIdUnknown)' }],
    };
    assert.throws(
      () => b.define(resolution),
      (e: unknown) => {
        assert.ok(isSparkplugError(e) && e.code === ErrorCodes.SOURCE);
        assert.equal(
          e.message,
          [
            'device Press cannot serve its configuration from opc.tcp://plc:4840:',
            '  metric "Speed" (ns=1;s=Speed): a deadband needs a numeric variable, this one is String',
            '  metric "Serial" (ns=1;s=Serial): the server has no such node (BadNodeIdUnknown)',
          ].join('\n'),
        );
        return true;
      },
    );
    assert.equal(b.defined, false);
  });

  it('rebind after a reconnect, unbinding variables gone or changed in type', () => {
    const b = new Bindings(config);
    b.define(good);
    const moved = binding('Speed', DataType.Double);
    const unbound = b.rebind({
      bindings: [moved, binding('Serial', DataType.Int32), undefined],
      problems: [{ index: 2, problem: 'the server has no such node (BadNodeIdUnknown)' }],
    });
    assert.deepEqual(unbound, [
      { index: 1, problem: 'its type is now Int32, not String', status: 'BadTypeMismatch' },
      { index: 2, problem: 'the server has no such node (BadNodeIdUnknown)', status: 'BadNodeIdUnknown' },
    ]);
    assert.equal(b.variable(0), moved);
    assert.equal(b.variable(1), undefined);
    assert.equal(b.converters[1]?.(5), undefined);
    assert.deepEqual(
      b.bound().map((x) => x.index),
      [0],
    );
    assert.deepEqual(
      b.metrics.map((m) => m.type),
      ['Double', 'String', 'Int64Array'],
      'metrics never change',
    );
  });
});
