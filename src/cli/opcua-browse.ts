/**
 * `sparkstate opcua browse`: walks an OPC UA server's address space and prints an edge config
 * `devices:` block (YAML on stdout) with one metric per mappable variable. Progress, skipped
 * variables and node-opcua's own messages go to stderr as pino JSON lines.
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format } from 'node:util';
// A dependency of node-opcua-client (same release train) that it does not re-export.
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import {
  AttributeIds,
  MessageSecurityMode,
  NodeClass,
  NodeId,
  ObjectIds,
  OPCUAClient,
  QualifiedName,
  resolveNodeId,
  SecurityPolicy,
  setErrorLogger,
  setWarningLogger,
  UserTokenType,
  VariableIds,
} from 'node-opcua-client';
import type { ClientSession, UserIdentityInfo } from 'node-opcua-client';
import type { Logger } from 'pino';
import { opcuaDeviceSchema } from '../config/opcua.js';
import { createLogger } from './logger.js';
import type { LogLevel } from './logger.js';
import { classify } from './opcua-classify.js';
import { readLimits, walk } from './opcua-walk.js';
import type { FoundNode } from './opcua-walk.js';
import { deviceIdFrom, deviceYaml, uniqueNames } from './opcua-yaml.js';
import type { SecurityModeName, SecurityPolicyName } from './opcua-yaml.js';

const PASSWORD_ENV = 'SPARKSTATE_OPCUA_PASSWORD';

export interface BrowseOptions {
  readonly endpoint: string;
  readonly root: string;
  readonly depth: number;
  readonly deviceId?: string;
  readonly username?: string;
  readonly securityMode: SecurityModeName;
  readonly securityPolicy: SecurityPolicyName;
  readonly pki?: string;
  readonly logLevel: LogLevel;
}

/**
 * node-opcua prints warnings and errors with console.log, i.e. on stdout, which must stay pure
 * YAML: its warnings become debug lines, its errors warn lines, and any other console output
 * goes to stderr.
 */
function quietNodeOpcua(log: Logger): void {
  const child = log.child({ component: 'node-opcua' });
  const line = (args: unknown[]): string => format(...args.slice(1)).replace(/\s+/g, ' ').trim();
  setWarningLogger((...args: unknown[]) => child.debug(line(args)));
  setErrorLogger((...args: unknown[]) => child.warn(line(args)));
  const toStderr = (...args: unknown[]): void => void process.stderr.write(`${format(...args)}\n`);
  console.log = toStderr;
  console.info = toStderr;
}

const MAX_REFERENCES_PER_NODE = 1000;

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((u) => typeof u === 'string');
}

/** node-opcua's errors span lines and wrap the socket error as `Err = (…)`; keep that part. */
function oneLine(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return (/Err = \((.*)\)/s.exec(message)?.[1] ?? message).replace(/\s+/g, ' ').trim();
}

const FLAGS: Readonly<Record<string, string>> = { id: '--device-id', endpoint: '--endpoint', securityPolicy: '--security-policy', username: '--username' };

/** The device schema judges the options before any connection; a stand-in metric fills the rest. */
function checkOptions(o: BrowseOptions): void {
  const result = opcuaDeviceSchema.safeParse({
    id: o.deviceId ?? 'browse',
    source: 'opcua',
    endpoint: o.endpoint,
    securityMode: o.securityMode,
    securityPolicy: o.securityPolicy,
    ...(o.username === undefined ? {} : { username: o.username }),
    metrics: [{ name: 'm', nodeId: 'i=1' }],
  });
  const issue = result.error?.issues[0];
  if (issue !== undefined) throw new Error(`${FLAGS[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`);
}

function identity(o: BrowseOptions): UserIdentityInfo {
  if (o.username === undefined) return { type: UserTokenType.Anonymous };
  const password = process.env[PASSWORD_ENV];
  if (password === undefined) throw new Error(`--username needs the password in the environment variable ${PASSWORD_ENV}`);
  return { type: UserTokenType.UserName, userName: o.username, password };
}

/** The root node, its browse name and class; a clear error when the server does not know it. */
async function readRoot(session: ClientSession, text: string, namespaceArray: string[]): Promise<FoundNode & { browseName: string }> {
  let nodeId: NodeId;
  try {
    nodeId = resolveNodeId(text, { namespaceArray });
  } catch (e) {
    throw new Error(`--root ${text} is not a NodeId (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  const [name, nodeClass] = await session.read([
    { nodeId, attributeId: AttributeIds.BrowseName },
    { nodeId, attributeId: AttributeIds.NodeClass },
  ]);
  const cls: unknown = nodeClass?.value.value;
  const browseName: unknown = name?.value.value;
  if (name?.statusCode.isGood() !== true || typeof cls !== 'number') {
    throw new Error(`--root ${text}: the server has no such node (${name?.statusCode.name ?? 'no answer'})`);
  }
  const label = browseName instanceof QualifiedName && browseName.name !== null ? browseName.name : text;
  return { nodeId, path: cls === NodeClass.Variable ? [label] : [], nodeClass: cls, browseName: label };
}

async function browseServer(session: ClientSession, client: OPCUAClient, o: BrowseOptions, log: Logger): Promise<string> {
  const started = Date.now();
  // Large folders come back in pages (continuation points) rather than as one huge response.
  session.requestedMaxReferencesPerNode = MAX_REFERENCES_PER_NODE;
  const [nsArray] = await session.read([{ nodeId: VariableIds.Server_NamespaceArray, attributeId: AttributeIds.Value }]);
  const namespaceArray: unknown = nsArray?.value.value;
  if (!isStringArray(namespaceArray)) throw new Error('cannot read the server NamespaceArray');
  const limits = await readLimits(session);
  const root = await readRoot(session, o.root, namespaceArray);
  // Objects (or Root) as the start: the server's own diagnostics are not process data.
  const isTop = root.nodeId.namespace === 0 && (root.nodeId.value === ObjectIds.ObjectsFolder || root.nodeId.value === ObjectIds.RootFolder);

  const variables = await walk(
    session,
    {
      root,
      depth: o.depth,
      skipServerNodes: isTop,
      onLevel: (nodes, found) => log.info({ nodes, variables: found }, `browsed ${nodes} nodes, ${found} variables`),
    },
    limits,
    log,
  );
  const { metrics, skipped } = await classify(session, variables, limits, log);
  for (const s of skipped) log.warn({ variable: s.node.path.join('/'), nodeId: s.node.nodeId.toString({ namespaceArray }) }, `skipped ${s.node.path.join('/')}: ${s.reason}`);
  if (metrics.length === 0) throw new Error(`no variable under ${o.root} within depth ${o.depth} maps to a Sparkplug metric`);

  const { names, renamed } = uniqueNames(metrics.map((m) => m.node.path));
  for (const r of renamed) log.warn(r, `metric name ${r.from} is taken; using ${r.to}`);
  const appName = client.endpoint?.server.applicationName.text ?? null;
  const id = o.deviceId ?? deviceIdFrom(isTop ? (appName ?? 'opcua') : root.browseName);
  log.info({ metrics: metrics.length, skipped: skipped.length, ms: Date.now() - started }, `${metrics.length} metrics, ${skipped.length} skipped`);
  return deviceYaml(
    {
      id,
      endpoint: o.endpoint,
      securityMode: o.securityMode,
      securityPolicy: o.securityPolicy,
      username: o.username,
      metrics: metrics.map((m, i) => ({ name: names[i] ?? '', nodeId: m.node.nodeId.toString({ namespaceArray }), writable: m.writable })),
    },
    ` sparkstate opcua browse --endpoint ${o.endpoint} --root ${o.root} --depth ${o.depth}: ${metrics.length} metrics, ${skipped.length} skipped (listed on stderr)`,
  );
}

export async function opcuaBrowseCommand(o: BrowseOptions): Promise<void> {
  const log = createLogger(o.logLevel, 'sparkstate-opcua-browse');
  quietNodeOpcua(log);
  checkOptions(o);
  const userIdentity = identity(o);
  // Without --pki: a throw-away PKI, so node-opcua writes no certificate under $HOME.
  const pki = o.pki ?? (await mkdtemp(join(tmpdir(), 'sparkstate-opcua-')));
  const removePki = (): void => {
    if (o.pki === undefined) rmSync(pki, { recursive: true, force: true });
  };
  process.once('exit', removePki);
  // Ctrl-C mid-walk: exit normally so the 'exit' handler still removes the temporary PKI.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
  const clientCertificateManager = new OPCUACertificateManager({
    rootFolder: pki,
    // A fresh PKI has nothing to verify the server against; a --pki folder decides by its trusted/ certs.
    automaticallyAcceptUnknownCertificate: o.pki === undefined,
    disableFileWatchers: true,
  });
  if (o.pki === undefined && o.securityMode !== 'None') log.warn('server certificate accepted without verification; give --pki DIR with it in DIR/trusted/certs to verify it');
  const client = OPCUAClient.create({
    applicationName: 'sparkstate-opcua-browse',
    clientCertificateManager,
    securityMode: MessageSecurityMode[o.securityMode],
    securityPolicy: SecurityPolicy[o.securityPolicy],
    endpointMustExist: false,
    // One attempt: an unreachable endpoint must fail now, not after minutes of back-off.
    connectionStrategy: { maxRetry: 0, initialDelay: 100, maxDelay: 200 },
    keepSessionAlive: false,
  });
  try {
    await client.connect(o.endpoint).catch((e: unknown) => {
      const hint = o.pki !== undefined && oneLine(e).includes('BadCertificateUntrusted') ? ` (to trust it, move it from ${pki}/rejected to ${pki}/trusted/certs)` : '';
      throw new Error(`cannot connect to ${o.endpoint}: ${oneLine(e)}${hint}`, { cause: e });
    });
    const session = await client.createSession(userIdentity).catch((e: unknown) => {
      throw new Error(`cannot open a session on ${o.endpoint}: ${oneLine(e)}`, { cause: e });
    });
    try {
      process.stdout.write(await browseServer(session, client, o, log));
    } finally {
      await session.close();
    }
  } finally {
    await client.disconnect();
    await clientCertificateManager.dispose();
    removePki();
  }
}
