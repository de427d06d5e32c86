/**
 * Which server variable each metric reads, and how its values convert. The first resolution fixes
 * the device's metrics (DeviceSource: they never change afterwards); later ones (after each
 * reconnect) only rebind: a variable gone or changed in type leaves its metric unbound.
 */
import { isNumericType } from '../../config/datatypes.js';
import type { OpcuaDeviceConfig } from '../../config/opcua.js';
import { ErrorCodes, SparkplugError } from '../../errors.js';
import type { MetricDefinition } from '../types.js';
import { converterFor } from './datatypes.js';
import type { Converter } from './datatypes.js';
import { metricDefinition } from './definition.js';
import type { Binding, Resolution } from './resolve.js';

/** A metric left without a variable by a later resolution, and the status it is invalidated with. */
export interface Unbound {
  readonly index: number;
  readonly problem: string;
  readonly status: 'BadNodeIdUnknown' | 'BadTypeMismatch';
}

const unconvertible: Converter = () => undefined;

export class Bindings {
  readonly #config: OpcuaDeviceConfig;
  #metrics: readonly MetricDefinition[] = [];
  readonly #variables: (Binding | undefined)[] = [];
  /** Per metric index; read on every notification. */
  readonly converters: Converter[] = [];

  constructor(config: OpcuaDeviceConfig) {
    this.#config = config;
  }

  get metrics(): readonly MetricDefinition[] {
    return this.#metrics;
  }

  get defined(): boolean {
    return this.#metrics.length > 0;
  }

  variable(index: number): Binding | undefined {
    return this.#variables[index];
  }

  /** The bound metrics, with their variables. */
  bound(): { index: number; binding: Binding }[] {
    return this.#variables.flatMap((binding, index) => (binding === undefined ? [] : [{ index, binding }]));
  }

  /** First contact: fixes the metrics, or throws one SPB_ERR_SOURCE listing every metric that cannot work. */
  define(resolution: Resolution): void {
    const config = this.#config;
    const problems = [...resolution.problems];
    const metrics: MetricDefinition[] = [];
    for (const [index, m] of config.metrics.entries()) {
      const type = resolution.bindings[index]?.shape.type;
      if (type === undefined) continue;
      if (m.deadband !== undefined && !isNumericType(type)) problems.push({ index, problem: `a deadband needs a numeric variable, this one is ${type}` });
      metrics.push(metricDefinition(m, type));
    }
    if (problems.length > 0) {
      const lines = problems
        .sort((a, b) => a.index - b.index)
        .map(({ index, problem }) => `metric "${config.metrics[index]?.name}" (${config.metrics[index]?.nodeId}): ${problem}`);
      const head = `device ${config.id} cannot serve its configuration from ${config.endpoint}`;
      throw new SparkplugError(ErrorCodes.SOURCE, lines.length === 1 ? `${head}: ${lines[0]}` : [`${head}:`, ...lines.map((l) => `  ${l}`)].join('\n'));
    }
    this.#bind(resolution);
    this.#metrics = metrics;
  }

  /** After a reconnect: rebinds every metric whose variable still has its type; returns the others. */
  rebind(resolution: Resolution): Unbound[] {
    const problems = new Map(resolution.problems.map((p) => [p.index, p.problem]));
    const unbound: Unbound[] = [];
    for (const [index, metric] of this.#metrics.entries()) {
      const type = resolution.bindings[index]?.shape.type;
      const problem = problems.get(index);
      if (problem !== undefined) unbound.push({ index, problem, status: 'BadNodeIdUnknown' });
      else if (type !== metric.type) unbound.push({ index, problem: `its type is now ${type ?? 'unknown'}, not ${metric.type}`, status: 'BadTypeMismatch' });
    }
    this.#bind(resolution);
    for (const { index } of unbound) {
      this.#variables[index] = undefined;
      this.converters[index] = unconvertible;
    }
    return unbound;
  }

  #bind(resolution: Resolution): void {
    for (const [index, binding] of resolution.bindings.entries()) {
      this.#variables[index] = binding;
      this.converters[index] = binding === undefined ? unconvertible : converterFor(binding.shape);
    }
  }
}
