/**
 * An OPC UA device in YAML: an endpoint, how to secure the session, and metrics that name
 * NodeIds. Metrics have no `type`: the datatype comes from the variable on the server.
 */
import { z } from 'zod';
import { deviceIdSchema, uniqueMetricNames } from './ids.js';
import { deadbandSchema, metricBase } from './metric.js';

export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const OPCUA_SECURITY_POLICIES = [
  'None',
  'Basic256Sha256',
  'Aes128_Sha256_RsaOaep',
  'Aes256_Sha256_RsaPss',
  'Basic256',
  'Basic128Rsa15',
] as const;

export const opcuaMetricSchema = z.strictObject({
  name: metricBase.name,
  /** Any OPC UA form: ns=1;s=Speed, ns=2;i=1001, ns=1;g=<guid>, ns=1;b=<base64>, nsu=<uri>;s=Speed. */
  nodeId: z.string().min(1),
  /** Sampling interval of the monitored item; the device's samplingMs when absent. */
  samplingMs: z.int().nonnegative().optional(),
  writable: metricBase.writable,
  deadband: deadbandSchema.optional(),
  properties: metricBase.properties,
  unit: metricBase.unit,
});

export const opcuaDeviceSchema = z
  .strictObject({
    id: deviceIdSchema,
    source: z.literal('opcua'),
    endpoint: z.string().regex(/^opc\.tcp:\/\/[^/\s]+/, { error: 'expected an opc.tcp:// URL, e.g. opc.tcp://plc:4840' }),
    securityMode: z.enum(OPCUA_SECURITY_MODES).default('None'),
    securityPolicy: z.enum(OPCUA_SECURITY_POLICIES).default('None'),
    /** User name and password; the password may come from the environment (see the loader). */
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    /** X.509 user identity: PEM files, relative to the config file. */
    certificate: z.string().min(1).optional(),
    privateKey: z.string().min(1).optional(),
    /** Trust a server certificate seen for the first time (logged as a warning). */
    acceptUnknownServerCertificate: z.boolean().default(false),
    publishingIntervalMs: z.int().positive().default(500),
    samplingMs: z.int().nonnegative().default(250),
    metrics: z.array(opcuaMetricSchema).min(1).superRefine(uniqueMetricNames),
  })
  .superRefine((d, ctx) => {
    if ((d.securityMode === 'None') !== (d.securityPolicy === 'None')) {
      ctx.addIssue({
        code: 'custom',
        path: ['securityPolicy'],
        message: `securityMode ${d.securityMode} needs ${d.securityMode === 'None' ? 'securityPolicy None' : 'a securityPolicy other than None'}`,
      });
    }
    if ((d.certificate === undefined) !== (d.privateKey === undefined)) {
      ctx.addIssue({ code: 'custom', path: [d.certificate === undefined ? 'certificate' : 'privateKey'], message: 'certificate and privateKey must be given together' });
    }
    if (d.username !== undefined && d.certificate !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'give either username/password or certificate/privateKey, not both' });
    }
    if (d.password !== undefined && d.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'a password needs a username' });
    }
  });

/** As the schema produces it; certificate paths are absolute once loaded. */
export type OpcuaDeviceConfig = z.output<typeof opcuaDeviceSchema>;
export type OpcuaMetricConfig = z.output<typeof opcuaMetricSchema>;
