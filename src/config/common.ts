/** Keys shared by the edge and host schemas: MQTT connection and log level. */
import { z } from 'zod';

const SERVER_PROTOCOLS = ['mqtt:', 'mqtts:', 'ws:', 'wss:'];

// The URL itself is never echoed: it may carry credentials (mqtt://user:secret@host).
const serverUrl = z.string().superRefine((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a valid URL; expected e.g. mqtt://host:1883' });
    return;
  }
  if (!SERVER_PROTOCOLS.includes(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: `unsupported scheme "${url.protocol.slice(0, -1)}"; expected mqtt, mqtts, ws or wss` });
  } else if (url.hostname === '') {
    ctx.addIssue({ code: 'custom', message: 'the URL has no host name' });
  }
});

export const mqttSchema = z.strictObject({
  /** Tried in order; Sparkplug's multiple-server behaviour walks this list. */
  servers: z.array(serverUrl).min(1),
  clientId: z.string().min(1).optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  protocolVersion: z.literal([4, 5], { error: 'expected 4 (MQTT 3.1.1) or 5 (MQTT 5.0)' }).default(4),
  keepaliveSec: z.int().min(0).max(65535).default(30),
  /** File paths, relative to the config file; the loader replaces them with the file contents. */
  tls: z
    .strictObject({
      ca: z.string().min(1).optional(),
      cert: z.string().min(1).optional(),
      key: z.string().min(1).optional(),
      rejectUnauthorized: z.boolean().default(true),
    })
    .superRefine((t, ctx) => {
      if ((t.cert === undefined) !== (t.key === undefined)) {
        ctx.addIssue({ code: 'custom', path: [t.cert === undefined ? 'cert' : 'key'], message: 'cert and key must be given together' });
      }
    })
    .optional(),
  backoff: z
    .strictObject({ initialMs: z.int().positive().default(1000), maxMs: z.int().positive().default(30000) })
    .superRefine((b, ctx) => {
      if (b.initialMs > b.maxMs) ctx.addIssue({ code: 'custom', path: ['initialMs'], message: `must not exceed maxMs (${b.maxMs})` });
    })
    .prefault({}),
});

export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info');

/** MQTT settings as the YAML file states them (TLS as paths). */
export type MqttFileConfig = z.output<typeof mqttSchema>;
