/**
 * A server certificate the client's PKI does not trust yet. node-opcua has already refused it and
 * filed it under `<pki>/rejected/`; this either trusts it (acceptUnknownServerCertificate, with a
 * warning naming it) or says, once per certificate, which file to move to trust it.
 */
import { join } from 'node:path';
import { crypto_utils } from 'node-opcua-client';
import type { Logger } from 'pino';
import type { OpcuaDeviceConfig } from '../../config/opcua.js';
import { fetchServerCertificate, fileWithThumbprint, thumbprint } from './pki.js';
import type { Pki } from './pki.js';

/** node-opcua's message when its own certificate check refuses the server. */
export function isUntrustedServer(e: unknown): boolean {
  return e instanceof Error && e.message.includes('server Certificate verification failed') && e.message.includes('BadCertificateUntrusted');
}

/** Why a connection failed, with the fix when the server refuses our certificate. */
export function describeFailure(e: unknown, pki: Pki): string {
  const message = e instanceof Error ? e.message : String(e);
  if (!message.includes('BadSecurityChecksFailed')) return message;
  return `${message} (if the server does not trust sparkstate yet, trust ${join(pki.dir, 'own', 'certs', 'client_certificate.pem')} on the server)`;
}

/**
 * Returns true when the certificate is trusted now (try again at once). `reported` holds the
 * thumbprints already logged, so a retry loop repeats no error line.
 */
export async function handleUntrustedServer(config: OpcuaDeviceConfig, pki: Pki, log: Logger, reported: Set<string>): Promise<boolean> {
  const trustedDir = join(pki.dir, 'trusted', 'certs');
  const chain = await fetchServerCertificate(config.endpoint, pki).catch(() => undefined);
  if (chain === undefined) {
    // The certificate could not be fetched again to name its file: name the folder.
    if (!reported.has(config.endpoint)) log.error(`the server certificate of ${config.endpoint} is not trusted: move its file from ${join(pki.dir, 'rejected')}/ to ${trustedDir}/`);
    reported.add(config.endpoint);
    return false;
  }
  const thumb = thumbprint(chain);
  if (config.acceptUnknownServerCertificate) {
    const [leaf] = crypto_utils.split_der(chain);
    await pki.manager.trustCertificate(leaf ?? chain);
    const file = (await fileWithThumbprint(trustedDir, thumb)) ?? trustedDir;
    log.warn({ thumbprint: thumb, file }, `trusting the server certificate of ${config.endpoint}, seen for the first time (acceptUnknownServerCertificate): ${file}`);
    return true;
  }
  if (reported.has(thumb)) return false;
  reported.add(thumb);
  const file = (await fileWithThumbprint(join(pki.dir, 'rejected'), thumb)) ?? join(pki.dir, 'rejected', `*[${thumb}].pem`);
  log.error({ thumbprint: thumb, file }, `the server certificate of ${config.endpoint} is not trusted: move ${file} to ${trustedDir}/ to trust it`);
  return false;
}
