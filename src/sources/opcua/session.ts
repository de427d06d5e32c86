/**
 * One connection attempt: an OPCUAClient with the device's security, a session with its user
 * identity, and a single "lost" signal however the connection dies (socket closed, session closed
 * by the server, missing keep-alives reported by the subscriptions). A connection is used once:
 * node-opcua's own reconnection is off (maxRetry 0), the source owns the retry loop and builds a
 * fresh client, session and subscription each time (a restarted server keeps none of the old ones).
 */
import { readFile } from 'node:fs/promises';
import { MessageSecurityMode, OPCUAClient, SecurityPolicy, UserTokenType, crypto_utils } from 'node-opcua-client';
import type { ClientSession, UserIdentityInfo } from 'node-opcua-client';
import type { OpcuaDeviceConfig } from '../../config/opcua.js';
import type { Pki } from './pki.js';

export interface ConnectionOptions {
  readonly config: OpcuaDeviceConfig;
  readonly identity: UserIdentityInfo;
  readonly pki: Pki;
  /** Bound for connect, session creation and each request. */
  readonly timeoutMs: number;
}

/** Rejects after `ms`; a late settlement of `p` is then ignored. */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
    p.catch(() => undefined);
  }
}

/** The user identity of the config; certificate files are read here (never logged). */
export async function loadIdentity(config: OpcuaDeviceConfig): Promise<UserIdentityInfo> {
  if (config.username !== undefined) {
    return { type: UserTokenType.UserName, userName: config.username, password: config.password ?? '' };
  }
  if (config.certificate !== undefined && config.privateKey !== undefined) {
    const [certificate, privateKey] = await Promise.all([readFile(config.certificate, 'utf8'), readFile(config.privateKey, 'utf8')]);
    return { type: UserTokenType.Certificate, certificateData: crypto_utils.convertPEMtoDER(certificate), privateKey };
  }
  return { type: UserTokenType.Anonymous };
}

export class UaConnection {
  readonly #client: OPCUAClient;
  readonly #options: ConnectionOptions;
  #session: ClientSession | undefined;
  #lost: string | undefined;
  #closed = false;
  #onLost: ((reason: string) => void) | undefined;

  constructor(options: ConnectionOptions) {
    const { config, pki, timeoutMs } = options;
    this.#options = options;
    this.#client = OPCUAClient.create({
      applicationName: 'sparkstate',
      clientName: `sparkstate/${config.id}`,
      endpointMustExist: false,
      securityMode: MessageSecurityMode[config.securityMode],
      securityPolicy: SecurityPolicy[config.securityPolicy],
      clientCertificateManager: pki.manager,
      connectionStrategy: { maxRetry: 0 },
      // Subscriptions keep the session alive and prove the server is there (see subscription.ts).
      keepSessionAlive: false,
      requestedSessionTimeout: 30_000,
      defaultTransactionTimeout: timeoutMs,
    });
    this.#client.on('connection_lost', () => this.lose('connection lost'));
    this.#client.on('close', (err) => {
      if (err) this.lose(`connection closed: ${err.message}`);
    });
  }

  get lost(): boolean {
    return this.#lost !== undefined;
  }

  /** Connects and opens the session; rejects (for the retry loop) when the server cannot be used. */
  async open(): Promise<ClientSession> {
    const { config, identity, timeoutMs } = this.#options;
    await within(this.#client.connect(config.endpoint), timeoutMs, 'connect');
    const session = await within(this.#client.createSession(identity), timeoutMs, 'create session');
    this.#session = session;
    session.on('session_closed', (status) => this.lose(`session closed by the server (${status.name})`));
    return session;
  }

  /** Calls `listener` once, when the connection is lost (at once if it already is). */
  onLost(listener: (reason: string) => void): void {
    this.#onLost = listener;
    if (this.#lost !== undefined) listener(this.#lost);
  }

  /** Marks the connection dead; the first reason wins. */
  lose(reason: string): void {
    if (this.#lost !== undefined || this.#closed) return;
    this.#lost = reason;
    this.#onLost?.(reason);
  }

  /** Closes the session (deleting its subscriptions) and the client; never rejects. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const session = this.#session;
    // A dead channel cannot carry CloseSession; the server drops the session when it times out.
    if (session !== undefined && this.#lost === undefined) await within(session.close(true), 2_000, 'close session').catch(() => undefined);
    await within(this.#client.disconnect(), 5_000, 'disconnect').catch(() => undefined);
  }
}
