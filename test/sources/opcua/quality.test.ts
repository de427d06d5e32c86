import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
// The status code table alone: loading node-opcua-client costs a second per test file.
import { StatusCodes } from 'node-opcua-status-code';
import { qualityOf } from '../../../src/sources/opcua/quality.js';
import { Quality } from '../../../src/sources/types.js';

describe('OPC UA StatusCode → Sparkplug quality [tck-id-payloads-propertyset-quality-value-value]', () => {
  it('Good (also with info bits or a Good subcode) is GOOD (192)', () => {
    assert.equal(qualityOf(StatusCodes.Good.value), Quality.GOOD);
    assert.equal(qualityOf(StatusCodes.GoodClamped.value), Quality.GOOD);
    assert.equal(qualityOf(StatusCodes.Good.value | 0x480), Quality.GOOD);
  });

  it('Uncertain* is STALE (500)', () => {
    assert.equal(qualityOf(StatusCodes.Uncertain.value), Quality.STALE);
    assert.equal(qualityOf(StatusCodes.UncertainLastUsableValue.value), Quality.STALE);
    assert.equal(qualityOf(StatusCodes.UncertainSensorNotAccurate.value), Quality.STALE);
  });

  it('Bad* (and the reserved severity) is BAD (0)', () => {
    assert.equal(qualityOf(StatusCodes.Bad.value), Quality.BAD);
    assert.equal(qualityOf(StatusCodes.BadSensorFailure.value), Quality.BAD);
    assert.equal(qualityOf(StatusCodes.BadNodeIdUnknown.value), Quality.BAD);
    assert.equal(qualityOf(0xc0000000), Quality.BAD);
  });
});
