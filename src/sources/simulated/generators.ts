/**
 * Value generators. The periodic ones (sine, ramp, step) are pure functions of the sample time;
 * counter and randomWalk keep state between samples, the walk drawing from an injected PRNG.
 */
import type { GeneratorConfig } from '../../config/index.js';
import { ErrorCodes, SparkplugError } from '../../errors.js';

export type GeneratedValue = number | bigint | boolean | string;

export interface Generator {
  next(now: number): GeneratedValue;
}

/** Position in the current period, 0 ≤ phase < 1; time 0 (the epoch) starts every period. */
function phase(now: number, periodMs: number): number {
  return (((now % periodMs) + periodMs) % periodMs) / periodMs;
}

/** Midpoint at the period start, max at a quarter, midpoint at half, min at three quarters. */
export function sineAt(p: { min: number; max: number; periodMs: number }, now: number): number {
  return p.min + ((p.max - p.min) * (1 + Math.sin(2 * Math.PI * phase(now, p.periodMs)))) / 2;
}

/** Sawtooth: min at the period start, rising linearly towards max, then back to min. */
export function rampAt(p: { min: number; max: number; periodMs: number }, now: number): number {
  return p.min + (p.max - p.min) * phase(now, p.periodMs);
}

/** values[0] for the first period after the epoch, values[1] for the next, and so on, cycling. */
export function stepAt<T>(p: { values: readonly T[]; periodMs: number }, now: number): T | undefined {
  const index = Math.floor(now / p.periodMs) % p.values.length;
  return p.values[(index + p.values.length) % p.values.length];
}

/** A staircase: min for the first period after the epoch, min+1 for the next, … up to max, then min again. */
export function stepRangeAt(p: { min: number; max: number; periodMs: number }, now: number): number {
  const steps = Math.floor(p.max - p.min) + 1;
  const index = Math.floor(now / p.periodMs) % steps;
  return p.min + ((index + steps) % steps);
}

/** start, start+step, start+2·step, … one per sample; exact integers continue as bigint past 2^53. */
function counter(start: number, step: number): Generator {
  const integral = Number.isInteger(start) && Number.isInteger(step);
  let k = 0;
  return {
    next() {
      const n = start + step * k;
      const value = integral && !Number.isSafeInteger(n) ? BigInt(start) + BigInt(step) * BigInt(k) : n;
      k += 1;
      return value;
    },
  };
}

/** Starts at the midpoint; each sample moves by up to ±step and stays within [min, max]. */
function randomWalk(min: number, max: number, step: number, random: () => number): Generator {
  let value = (min + max) / 2;
  return {
    next() {
      value = Math.min(max, Math.max(min, value + (2 * random() - 1) * step));
      return value;
    },
  };
}

export function createGenerator(config: GeneratorConfig, random: () => number): Generator {
  switch (config.generator) {
    case 'sine':
      return { next: (now) => sineAt(config, now) };
    case 'ramp':
      return { next: (now) => rampAt(config, now) };
    case 'step': {
      const { values, min, max, periodMs } = config;
      if (values !== undefined) return { next: (now) => stepAt({ values, periodMs }, now) ?? values[0] ?? 0 };
      if (min === undefined || max === undefined) throw new SparkplugError(ErrorCodes.CONFIG, 'generator "step" needs values or min and max');
      return { next: (now) => stepRangeAt({ min, max, periodMs }, now) };
    }
    case 'randomWalk':
      return randomWalk(config.min, config.max, config.step ?? (config.max - config.min) / 100, random);
    case 'counter':
      return counter(config.start, config.step);
    case 'constant':
      return { next: () => config.value };
    default: {
      const unreachable: never = config;
      return unreachable;
    }
  }
}
