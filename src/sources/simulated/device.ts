/**
 * A device whose metrics come from generators. Deterministic for a given PRNG, clock-free (the
 * caller passes `now`), and switchable offline to rehearse DDEATH/DBIRTH.
 */
import { ConfigError, checkValue, formatPath, metricProblems } from '../../config/index.js';
import type { MetricConfig, ScalarOut } from '../../config/index.js';
import { ErrorCodes, SparkplugEncodeError, SparkplugError } from '../../errors.js';
import type { MetricValue } from '../../payload/types.js';
import type { ChangeSink, DeviceSource, MetricDefinition, SourceEvents } from '../types.js';
import { coercerFor, type Coercer } from './coerce.js';
import { metricDefinition } from './definition.js';
import { createGenerator } from './generators.js';
import type { Generator } from './generators.js';

export interface SimulatedDeviceConfig {
  readonly id: string;
  readonly metrics: readonly MetricConfig[];
}

export interface SimulatedDeviceOptions {
  /** Uniform [0, 1) source for randomWalk and changeRate; Math.random when absent. */
  readonly random?: () => number;
}

interface Slot {
  readonly config: MetricConfig;
  readonly generator: Generator;
  readonly coerce: Coercer;
  /** changeRate: the share of samples that take a new value. */
  readonly rate: number;
  /** Last generated value; reported again on samples that changeRate skips. */
  last: ScalarOut | undefined;
  /** A value written by a command, reported instead of the generator until the next write. */
  held: ScalarOut | undefined;
}

export class SimulatedDevice implements DeviceSource {
  readonly deviceId: string;
  readonly metrics: readonly MetricDefinition[];
  readonly #slots = new Map<string, Slot>();
  /** The same slots in metric order: `poll` reports metric i from `#ordered[i]`. */
  readonly #ordered: Slot[] = [];
  #sink: ChangeSink | undefined;
  readonly #random: () => number;
  readonly #listeners = new Set<SourceEvents['connectivity']>();
  #online = true;

  /** Throws a ConfigError for a metric the YAML loader would also refuse (hand-built configs). */
  constructor(config: SimulatedDeviceConfig, opts: SimulatedDeviceOptions = {}) {
    const issues = config.metrics.flatMap((m, i) =>
      metricProblems(m).map((p) => ({ path: formatPath(['metrics', i, ...p.path]), message: p.message })),
    );
    if (issues.length > 0) throw new ConfigError(`device ${config.id}`, issues);
    this.deviceId = config.id;
    this.#random = opts.random ?? Math.random;
    for (const m of config.metrics) {
      const slot: Slot = {
        config: m,
        generator: createGenerator(m, this.#random),
        coerce: coercerFor(m.type),
        rate: m.changeRate ?? 1,
        last: undefined,
        held: undefined,
      };
      this.#slots.set(m.name, slot);
      this.#ordered.push(slot);
    }
    this.metrics = config.metrics.map(metricDefinition);
  }

  async start(sink: ChangeSink): Promise<void> {
    this.#sink = sink;
  }

  async stop(): Promise<void> {
    this.#sink = undefined;
  }

  isOnline(): boolean {
    return this.#online;
  }

  /** Simulates the device dropping off or coming back; listeners hear only real changes. */
  setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    for (const listener of [...this.#listeners]) listener(online);
  }

  onConnectivity(listener: SourceEvents['connectivity']): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Reports every metric's value as of `now`. While offline nothing is reported and generators do not advance. */
  poll(now: number): void {
    const sink = this.#sink;
    if (sink === undefined || !this.#online) return;
    const slots = this.#ordered;
    for (let i = 0; i < slots.length; i++) sink.update(i, this.#valueOf(slots[i] as Slot, now), now);
  }

  #valueOf(slot: Slot, now: number): ScalarOut {
    if (slot.held !== undefined) return slot.held;
    // No PRNG draw at rate 1, so adding changeRate elsewhere does not shift other metrics' values.
    if (slot.rate < 1 && slot.last !== undefined && this.#random() >= slot.rate) return slot.last;
    slot.last = slot.coerce(slot.generator.next(now));
    return slot.last;
  }

  /**
   * Holds `value` for a writable metric: every later sample reports it until the next write,
   * whatever the generator (a setpoint stays where the operator put it).
   */
  async write(name: string, value: MetricValue): Promise<void> {
    const slot = this.#slots.get(name);
    if (slot === undefined) throw new SparkplugError(ErrorCodes.UNKNOWN_METRIC, `device ${this.deviceId} has no metric "${name}"`);
    if (!slot.config.writable) throw new SparkplugError(ErrorCodes.READ_ONLY, `metric "${name}" of device ${this.deviceId} is read-only`);
    if (!this.#online) throw new SparkplugError(ErrorCodes.NOT_ONLINE, `device ${this.deviceId} is offline`);
    const checked = checkValue(slot.config.type, value);
    if ('problem' in checked) throw new SparkplugEncodeError(`cannot write metric "${name}": ${checked.problem}`);
    slot.held = checked.value;
  }
}
