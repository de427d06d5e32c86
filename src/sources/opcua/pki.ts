/**
 * The client's PKI: `<storeDir>/pki` (own certificate and key, trusted/, rejected/, issuers/),
 * created on first use. Given an explicit root folder, node-opcua writes nothing under $HOME.
 * Devices of one edge share one store, so the process keeps one manager per folder.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { OPCUACertificateManager } from 'node-opcua-certificate-manager';
import { MessageSecurityMode, OPCUAClient, SecurityPolicy, crypto_utils } from 'node-opcua-client';

export interface Pki {
  readonly dir: string;
  readonly manager: OPCUACertificateManager;
  release(): Promise<void>;
}

const shared = new Map<string, { manager: Promise<OPCUACertificateManager>; users: number }>();

export async function acquirePki(storeDir: string): Promise<Pki> {
  const dir = join(storeDir, 'pki');
  let entry = shared.get(dir);
  if (entry === undefined) {
    const manager = new OPCUACertificateManager({ rootFolder: dir, automaticallyAcceptUnknownCertificate: false });
    entry = { manager: manager.initialize().then(() => manager), users: 0 };
    shared.set(dir, entry);
  }
  entry.users++;
  const current = entry;
  let released = false;
  try {
    const manager = await current.manager;
    return {
      dir,
      manager,
      async release() {
        if (released) return;
        released = true;
        if (--current.users > 0) return;
        shared.delete(dir);
        // Every client counts itself in, but one whose connect failed never counts itself out;
        // all clients of this store are closed by now, so the store can really close.
        manager.referenceCounter = 0;
        await manager.dispose();
      },
    };
  } catch (e) {
    if (--current.users === 0) shared.delete(dir);
    throw e;
  }
}

/** SHA-1 thumbprint (hex) of the first certificate of a DER chain; node-opcua names PKI files by it. */
export function thumbprint(chain: Buffer): string {
  const [leaf] = crypto_utils.split_der(chain);
  return createHash('sha1')
    .update(leaf ?? chain)
    .digest('hex');
}

/** The file holding the certificate with `thumb` in `folder` (`<subject>[<thumbprint>].pem`). */
export async function fileWithThumbprint(folder: string, thumb: string): Promise<string | undefined> {
  const names = await readdir(folder).catch(() => []);
  const name = names.find((n) => n.toLowerCase().includes(`[${thumb}]`));
  return name === undefined ? undefined : join(folder, name);
}

/**
 * The server's certificate (chain), as its endpoints announce it. Asked over an unsecured channel
 * (GetEndpoints is always allowed there): only used to explain a refused certificate.
 */
export async function fetchServerCertificate(endpoint: string, pki: Pki): Promise<Buffer | undefined> {
  const client = OPCUAClient.create({
    applicationName: 'sparkstate',
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    clientCertificateManager: pki.manager,
    connectionStrategy: { maxRetry: 0 },
  });
  try {
    await client.connect(endpoint);
    const endpoints = await client.getEndpoints();
    return endpoints.find((e) => e.serverCertificate !== null && e.serverCertificate.length > 0)?.serverCertificate ?? undefined;
  } finally {
    await client.disconnect();
  }
}
