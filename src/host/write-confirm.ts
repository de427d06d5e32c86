/**
 * `POST /api/write?confirm=MS`: after a write goes out, wait until the metric's value comes back
 * from the node (data or a birth received after the command) equal to what was written.
 *
 * Sparkplug has no acknowledgement for NCMD/DCMD: an edge node that refuses a write (read-only, out
 * of range, device refusal) says nothing on the wire. So `rejected` means the node (or, for a
 * device write, the device) died while we waited; a silent refusal ends in `timeout`.
 */
import { isDeepStrictEqual } from 'node:util';
import type { MetricTypeName, MetricValue } from '../payload/types.js';
import type { HostApplication } from './host-application.js';
import type { MetricUpdate } from './types.js';

export type WriteConfirmation = 'confirmed' | 'timeout' | 'rejected';

export interface WriteTarget {
  readonly group: string;
  readonly node: string;
  readonly device: string | undefined;
  readonly metric: string;
}

export interface PendingConfirmation {
  readonly result: Promise<WriteConfirmation>;
  /** Stops waiting (the write was not sent); `result` then never settles. */
  cancel(): void;
}

function isInteger(v: unknown): v is number | bigint {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

/** Whether a value received equals the value written, as the datatype stores it. */
export function sameValue(type: MetricTypeName | undefined, written: MetricValue, received: MetricValue<unknown>): boolean {
  // A Float goes over the wire as 32 bits: 0.1 comes back as 0.100000001…
  if (type === 'Float' && typeof written === 'number' && typeof received === 'number') return Math.fround(written) === Math.fround(received);
  // 64-bit integers decode as number up to 2^53 and as bigint beyond; a write may use either.
  if ((typeof written === 'bigint' || typeof received === 'bigint') && isInteger(written) && isInteger(received)) return BigInt(written) === BigInt(received);
  return isDeepStrictEqual(written, received);
}

/**
 * Starts watching before the command is published (the answer can arrive before `publish` resolves).
 * Historical values are ignored: they are replays of what was, not the node's answer.
 */
export function watchWrite(
  host: Pick<HostApplication, 'on'>,
  target: WriteTarget,
  type: MetricTypeName | undefined,
  value: MetricValue,
  timeoutMs: number,
): PendingConfirmation {
  const offs: (() => void)[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = (): void => {
    clearTimeout(timer);
    for (const off of offs.splice(0)) off();
  };
  const result = new Promise<WriteConfirmation>((resolve) => {
    const settle = (r: WriteConfirmation): void => {
      cancel();
      resolve(r);
    };
    const ours = (i: { group: string; node: string }): boolean => i.group === target.group && i.node === target.node;
    const matches = (m: MetricUpdate): boolean => !m.isHistorical && m.name === target.metric && sameValue(type, value, m.value);
    offs.push(
      host.on('metrics', (i) => {
        if (ours(i) && i.device === target.device && i.metrics.some(matches)) settle('confirmed');
      }),
      host.on('nodeDeath', (i) => {
        if (ours(i)) settle('rejected');
      }),
    );
    if (target.device !== undefined) {
      offs.push(
        host.on('deviceDeath', (i) => {
          if (ours(i) && i.device === target.device) settle('rejected');
        }),
      );
    }
    timer = setTimeout(() => settle('timeout'), timeoutMs);
  });
  return { result, cancel };
}
