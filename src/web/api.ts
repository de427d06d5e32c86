/** The JSON API: GET /api/state, POST /api/rebirth, POST /api/write. */
import type { FastifyInstance } from 'fastify';
import { watchWrite, type WriteConfirmation } from '../host/write-confirm.js';
import { HttpError } from './errors.js';
import type { IdempotencyStore, StoredAnswer } from './idempotency.js';
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

/** Longest `?confirm=` wait, ms: an HTTP request held longer than this is a client's problem, not a write's. */
const MAX_CONFIRM_MS = 600_000;

// Query strings are strings (types are never coerced here): checked as decimal text.
const writeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { confirm: { type: 'string', pattern: '^[1-9][0-9]{0,5}$' } },
} as const;

/** Idempotency keys longer than this are refused (a UUID is 36). */
const MAX_KEY_LENGTH = 255;

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

interface WriteQuery {
  confirm?: string;
}

/** The request a key stands for: the body in a fixed key order (a retry may serialise it differently). */
function fingerprint(b: WriteBody): string {
  return JSON.stringify([b.group, b.node, b.device ?? null, b.metric, b.value]);
}

async function write(host: WebHost, body: WriteBody, confirmMs: number | undefined): Promise<StoredAnswer> {
  const { group, node, device, metric } = body;
  const type = host.metricType(group, node, device, metric);
  const value = toMetricValue(body.value, type);
  const answer = { group, node, device: device ?? null, metric, written: true };
  if (confirmMs === undefined) {
    await host.writeMetric(group, node, device, metric, value);
    return { status: 200, body: answer };
  }
  const pending = watchWrite(host, { group, node, device, metric }, type, value, confirmMs);
  try {
    await host.writeMetric(group, node, device, metric, value);
  } catch (e) {
    pending.cancel();
    throw e;
  }
  const result: WriteConfirmation = await pending.result;
  return { status: 200, body: { ...answer, result } };
}

export function registerApi(app: FastifyInstance, host: WebHost, keys: IdempotencyStore): void {
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

  app.post<{ Body: WriteBody; Querystring: WriteQuery }>(
    '/api/write',
    { schema: { body: writeBody, querystring: writeQuery } },
    async (req, reply) => {
      const confirm = req.query.confirm === undefined ? undefined : Number(req.query.confirm);
      if (confirm !== undefined && confirm > MAX_CONFIRM_MS) throw new HttpError(400, 'ERR_VALIDATION', `confirm must be at most ${MAX_CONFIRM_MS} ms`);
      const act = (): Promise<StoredAnswer> => write(host, req.body, confirm);
      const key = req.headers['idempotency-key'];
      if (key === undefined) {
        const a = await act();
        return reply.code(a.status).send(a.body);
      }
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH) {
        throw new HttpError(400, 'ERR_VALIDATION', `Idempotency-Key must be one header of 1 to ${MAX_KEY_LENGTH} characters`);
      }
      const outcome = await keys.run(key, fingerprint(req.body), act);
      if (outcome.kind === 'mismatch') {
        throw new HttpError(422, 'ERR_IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different write');
      }
      if (outcome.kind === 'interrupted') {
        throw new HttpError(
          409,
          'ERR_IDEMPOTENCY_OUTCOME_UNKNOWN',
          'the host stopped while the first request with this Idempotency-Key was being sent; it may have acted: read the value, then write with a new key if needed',
        );
      }
      if (outcome.kind === 'replayed') void reply.header('idempotent-replayed', 'true');
      return reply.code(outcome.answer.status).send(outcome.answer.body);
    },
  );
}
