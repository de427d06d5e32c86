import assert from 'node:assert/strict';
import { ConfigError } from '../../src/config/index.js';
import { ErrorCodes } from '../../src/errors.js';

/** Awaits a config promise that must fail and returns its ConfigError. */
export async function configError(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e: unknown) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    assert.equal(e.code, ErrorCodes.CONFIG);
    return e;
  }
  assert.fail('expected a ConfigError');
}

/** The issue's example, exactly as written. */
export const EDGE_EXAMPLE = `mqtt:
  servers: ["mqtt://127.0.0.1:1883"]
  clientId: edge-1          # optional
  username: u               # optional
  password: p               # optional
sparkplug:
  groupId: Plant1
  edgeNodeId: Line4
  primaryHostId: scada      # optional
scanIntervalMs: 1000
storeDir: ./data/edge       # bdSeq and the store-and-forward queue
devices:
  - id: Filler
    source: simulated
    metrics:
      - { name: Temperature, type: Double, generator: sine, min: 20, max: 80, periodMs: 60000 }
      - { name: Count, type: Int64, generator: counter }
      - { name: Setpoint, type: Float, generator: constant, value: 42, writable: true }
`;

export const MINIMAL_EDGE = `mqtt: { servers: ["mqtt://127.0.0.1:1883"] }
sparkplug: { groupId: G, edgeNodeId: E }
`;

/** A minimal edge file with one device whose metrics are given as YAML flow mappings. */
export function edgeWithMetrics(...metrics: string[]): string {
  return `${MINIMAL_EDGE}devices:\n  - id: D\n    metrics:\n${metrics.map((m) => `      - ${m}\n`).join('')}`;
}
