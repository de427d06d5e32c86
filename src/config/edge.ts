/** Schema of `sparkstate edge` configuration files. */
import { z } from 'zod';
import { bulkDeviceIds, bulkEntrySchema, expandBulk } from './bulk.js';
import { logLevelSchema, mqttSchema } from './common.js';
import { deviceIdSchema, duplicateProblems, edgeNodeIdSchema, groupIdSchema, hostIdSchema, uniqueMetricNames } from './ids.js';
import { metricSchema } from './metric.js';
import { opcuaDeviceSchema } from './opcua.js';
import type { OpcuaDeviceConfig } from './opcua.js';

type Issue = { path: (string | number)[]; message: string };

const metricListSchema = z.array(metricSchema).superRefine(uniqueMetricNames);

export const simulatedDeviceSchema = z.strictObject({
  id: deviceIdSchema,
  /** Where values come from: generators here, or `opcua` (see opcua.ts). */
  source: z.literal('simulated').default('simulated'),
  metrics: metricListSchema.min(1),
});

export type SimulatedDeviceConfig = z.output<typeof simulatedDeviceSchema>;
export type DeviceConfig = SimulatedDeviceConfig | OpcuaDeviceConfig;

// Errors are reported for the branch whose shape the entry has (see config/issues.ts).
const deviceEntrySchema = z.union([simulatedDeviceSchema, opcuaDeviceSchema, bulkEntrySchema]);

/** Device ids must be unique across the node, counting the ids bulk entries expand to. */
// [tck-id-topic-structure-namespace-unique-device-id]
function uniqueDeviceIds(entries: readonly z.output<typeof deviceEntrySchema>[]): Issue[] {
  const named = entries.flatMap((e, i) =>
    'bulk' in e ? bulkDeviceIds(e.bulk).map((key) => ({ key, path: [i, 'bulk', 'idPrefix'] })) : [{ key: e.id, path: [i, 'id'] }],
  );
  return duplicateProblems(named, 'device id');
}

const hostName = z.hostname(); // IPv4 addresses too
const ipv6 = z.ipv6();
/** A listen address as fastify takes it: an IP address or a plain host name (no port, no scheme). */
const listenHostSchema = z
  .string()
  .min(1)
  .refine((s) => hostName.safeParse(s).success || ipv6.safeParse(s).success, {
    message: 'expected an IP address or host name to listen on, e.g. 127.0.0.1 or 0.0.0.0 (no port)',
  });

export const edgeSchema = z.strictObject({
  mqtt: mqttSchema,
  sparkplug: z.strictObject({
    groupId: groupIdSchema,
    edgeNodeId: edgeNodeIdSchema,
    /** When set, births wait for this host's STATE online. */
    primaryHostId: hostIdSchema.optional(),
    /** With several servers: wait this long for the primary host on one before walking to the next. */
    primaryHostWaitMs: z.int().positive().default(5000),
    useAliases: z.boolean().default(true),
    sendNamesInData: z.boolean().default(false),
    /** Datatypes in NDATA/DDATA too (the spec says SHOULD NOT; hosts that cannot map aliases need them). */
    datatypesInData: z.boolean().default(false),
  }),
  scanIntervalMs: z.int().nonnegative().default(1000),
  /** Holds the bdSeq file and the store-and-forward queue; relative to the config file. */
  storeDir: z.string().min(1).default('./data/edge'),
  storeAndForward: z
    .strictObject({
      enabled: z.boolean().default(true),
      maxBytes: z.int().positive().default(64 * 1024 * 1024),
      flushIntervalMs: z.int().positive().default(1000),
      replayRatePerSec: z.int().positive().default(1000),
      /**
       * Live data of this last stretch is re-sent as historical after a session ends (QoS 0 data may
       * have died in flight; a primary host that dies hard is reported only after 1.5 × its keepalive).
       * 0 turns it off. Default 90 s: 1.5 × a 60 s host keepalive.
       */
      resendWindowMs: z.int().nonnegative().default(90_000),
      resendWindowMaxBytes: z.int().positive().default(16 * 1024 * 1024),
      /** Records held in memory while the queue file cannot be written (disk full); the rest are counted as lost. */
      maxPendingOnFailure: z.int().positive().default(10_000),
    })
    .prefault({}),
  logLevel: logLevelSchema,
  /** Health check and Prometheus metrics; no HTTP server at all when absent. */
  http: z
    .strictObject({
      host: listenHostSchema.default('127.0.0.1'),
      /** 0 = any free port (logged at start). */
      port: z.int().min(0).max(65535),
    })
    .optional(),
  /** Metrics of the edge node itself (NBIRTH/NDATA). */
  metrics: metricListSchema.default([]),
  devices: z
    .array(deviceEntrySchema)
    .default([])
    .superRefine((entries, ctx) => {
      for (const p of uniqueDeviceIds(entries)) ctx.addIssue({ code: 'custom', ...p });
    })
    .transform((entries): DeviceConfig[] => entries.flatMap((e) => ('bulk' in e ? expandBulk(e.bulk) : [e]))),
});

/** The edge config as the schema produces it, before TLS files are read. */
export type EdgeFileConfig = z.output<typeof edgeSchema>;
