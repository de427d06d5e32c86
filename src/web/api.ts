/** The JSON API: GET /api/state, POST /api/rebirth, POST /api/write. */
import type { FastifyInstance } from 'fastify';
import { HttpError } from './errors.js';
import type { WebHost } from './types.js';
import { toMetricValue } from './values.js';

/** Sparkplug ids are non-empty UTF-8 strings (the host checks the rest when it builds the topic). */
const id = { type: 'string', minLength: 1 } as const;

const rebirthBody = {
  type: 'object',
  required: ['group', 'node'],
  additionalProperties: false,
  properties: { group: id, node: id },
} as const;

const writeBody = {
  type: 'object',
  required: ['group', 'node', 'metric', 'value'],
  additionalProperties: false,
  // `value`: any JSON value (its fit is checked against the metric's birth datatype).
  properties: { group: id, node: id, device: id, metric: id, value: {} },
} as const;

interface RebirthBody {
  group: string;
  node: string;
}

interface WriteBody {
  group: string;
  node: string;
  device?: string;
  metric: string;
  value: unknown;
}

export function registerApi(app: FastifyInstance, host: WebHost): void {
  // The snapshot is JSON-safe already: 64-bit integers beyond 2^53 are strings, bytes base64.
  app.get('/api/state', async () => host.snapshot());

  app.post<{ Body: RebirthBody }>('/api/rebirth', { schema: { body: rebirthBody } }, async (req, reply) => {
    const { group, node } = req.body;
    // Checked first: requestRebirth would add an unknown node to the model.
    if (!host.hasNode(group, node)) throw new HttpError(404, 'ERR_NOT_FOUND', `no edge node ${group}/${node} in the model`);
    // 'duplicate': a request for this node is already outstanding; accepted all the same (one rebirth will come).
    const result = host.requestRebirth(group, node);
    return reply.code(202).send({ group, node, result });
  });

  app.post<{ Body: WriteBody }>('/api/write', { schema: { body: writeBody } }, async (req) => {
    const { group, node, device, metric } = req.body;
    const value = toMetricValue(req.body.value, host.metricType(group, node, device, metric));
    await host.writeMetric(group, node, device, metric, value);
    return { group, node, device: device ?? null, metric, written: true };
  });
}
