/** Schema of `sparkstate host` configuration files. */
import { z } from 'zod';
import { logLevelSchema, mqttSchema } from './common.js';
import { duplicateProblems, groupIdSchema, hostIdSchema } from './ids.js';

/** A topic name prefix: no wildcards or NUL (they cannot be published to), no empty level, not `$…` or the Sparkplug namespace. */
const mirrorPrefixSchema = z
  .string()
  .min(1)
  .superRefine((s, ctx) => {
    const fail = (message: string): void => void ctx.addIssue({ code: 'custom', message });
    if (s === '') return; // min(1) says it
    if (/[+#\0]/.test(s)) fail('must not contain the MQTT wildcards + or # or NUL');
    else if (s.split('/').includes('')) fail('must not start or end with / or contain //');
    else if (s.startsWith('$')) fail('must not start with $ (reserved for the broker)');
    else if (s.split('/')[0] === 'spBv1.0') fail('must not be in the Sparkplug namespace spBv1.0');
  });

const historianSchema = z.strictObject({
  /** postgres://user@host:port/db; the password from SPARKSTATE_HISTORIAN_PASSWORD or the URL (never logged). */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
  /** Everything (tables, view, partitions) lives in this schema; an unquoted lower-case identifier. */
  schema: z.string().regex(/^[a-z_][a-z0-9_]{0,40}$/, 'a lower-case SQL identifier (a-z, 0-9, _)').default('sparkstate'),
  /** Daily partitions older than this are dropped. */
  retentionDays: z.int().positive().default(90),
  /** A batch commits this often at most (ms), or sooner when it has batchRows rows. */
  batchMs: z.int().positive().default(200),
  batchRows: z.int().positive().default(5000),
  /** Spool (under storeDir) size at which the historian signals back-pressure. */
  spoolMaxBytes: z.int().positive().default(256 * 1024 * 1024),
  /** A connect or batch without an answer for this long counts as an outage (rows spool). */
  writeTimeoutMs: z.int().positive().default(30_000),
});

export const hostSchema = z.strictObject({
  mqtt: mqttSchema,
  sparkplug: z.strictObject({
    hostId: hostIdSchema,
    /** Groups to subscribe to; every group when absent. */
    groups: z
      .array(groupIdSchema)
      .min(1)
      .superRefine((groups, ctx) => {
        const named = groups.map((key, i) => ({ key, path: [i] }));
        for (const p of duplicateProblems(named, 'group id')) ctx.addIssue({ code: 'custom', ...p });
      })
      .optional(),
  }),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: z.int().min(0).max(65535).default(8080),
    })
    .prefault({}),
  rebirth: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** How long a seq gap may stay open before the host asks for a rebirth. */
      reorderWindowMs: z.int().positive().default(2000),
      /** Upper bound on rebirth requests, so a host reconnect does not storm the broker. */
      maxPerSecond: z.number().positive().default(20),
      /** After the host's own reconnect, nodes silent for this long are asked to rebirth (and again while silent). */
      staleAfterReconnectMs: z.int().positive().default(1000),
    })
    .prefault({}),
  /** Bounds on what the host accepts from the broker (hostile or broken publishers). */
  limits: z
    .strictObject({
      /** Larger payloads are dropped before decoding and counted as `oversized_payload`. */
      maxPayloadBytes: z.int().positive().default(16 * 1024 * 1024),
      /** At most one log line per input problem cause per this interval, besides its first. */
      problemLogIntervalMs: z.int().positive().default(60_000),
      /** Edge nodes held at most; messages from further node ids are dropped and counted as `too_many_nodes`. */
      maxNodes: z.int().positive().max(10_000_000).default(10_000),
    })
    .prefault({}),
  /** Where the host keeps what must outlive a restart (the Idempotency-Key answers); relative to the config file. */
  storeDir: z.string().min(1).default('./data/host'),
  commands: z
    .strictObject({
      /** How long POST /api/write remembers an Idempotency-Key and its first answer. Default 24 h. */
      idempotencyWindowMs: z.int().positive().default(86_400_000),
    })
    .prefault({}),
  /** The retained plain-MQTT mirror (README: Retained MQTT mirror); off when absent. */
  mirror: z
    .strictObject({
      /** First topic level(s) of every mirrored metric: `<prefix>/<group>/<node>/[<device>/]<metric>`. */
      prefix: mirrorPrefixSchema,
      /** Another broker or other credentials; default: the host's own `mqtt` section with the client id `sparkstate-mirror-<hostId>`. */
      mqtt: mqttSchema.optional(),
      /** Upper bound on mirror publishes; over it, changes are coalesced per topic (the latest value wins). */
      maxPerSecond: z.number().positive().max(1_000_000).default(1000),
      /**
       * After an edge node's birth, how long (ms) its devices have to DBIRTH before the retained topics
       * of an earlier run that none of its metrics has are cleared. At most a day.
       */
      leftoverGraceMs: z.int().min(0).max(86_400_000).default(30_000),
    })
    .optional(),

  /** PostgreSQL historian (README: Historian); off when absent. */
  historian: historianSchema.optional(),
  logLevel: logLevelSchema,
});

/** The host config as the schema produces it, before TLS files are read. */
export type HostFileConfig = z.output<typeof hostSchema>;
