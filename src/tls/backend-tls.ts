import fs from 'node:fs';
import { rootCertificates, type ConnectionOptions, type SecureVersion } from 'node:tls';
import type { Snapshot } from '../config/model.ts';
import { ApimgwError } from '../errors.ts';
import type { Settings } from '../settings/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { loadCertificate, snapshotCertificateSource } from './certificate-files.ts';
import { opensslCiphers } from './cipher-suites.ts';

/**
 * TLS towards backends: what every HTTPS backend connection uses (allowed
 * suites, protocol versions, trusted CAs, validation on), and per backend
 * origin what its backend entity adds: `tls.validateCertificateChain` /
 * `validateCertificateName` turned off, a client certificate
 * (`credentials.certificateIds`) for mTLS. Built when settings load and when
 * a snapshot is applied; connections are pooled per origin with these options.
 */

export type BackendTlsSettings = Pick<Settings,
  | 'net.client.tls.ciphers.allowed-suites' | 'net.client.tls.ca.path'
  | 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls10'
  | 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls11'
  | 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls12'
  | 'Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.Tls13'>;

const PROTOCOLS = [
  ['Tls10', 'TLSv1'], ['Tls11', 'TLSv1.1'], ['Tls12', 'TLSv1.2'], ['Tls13', 'TLSv1.3'],
] as const satisfies ReadonlyArray<readonly [string, SecureVersion]>;

/** Options of every backend TLS connection; throws APIMGW_E_TLS_CERTIFICATE / APIMGW_E_SETTINGS_INVALID for what settings must fix. */
export function baseBackendTls(settings: BackendTlsSettings): ConnectionOptions {
  const enabled = PROTOCOLS.filter(([name]) => settings[`Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.${name}`]).map(([, version]) => version);
  if (enabled.length === 0) {
    throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', 'every Microsoft.WindowsAzure.ApiManagement.Gateway.Security.Backend.Protocols.* is false: no TLS version is left for backends');
  }
  const minVersion = enabled[0]!;
  const options: ConnectionOptions = {
    minVersion,
    maxVersion: enabled.at(-1)!,
    ciphers: opensslCiphers(settings['net.client.tls.ciphers.allowed-suites'], minVersion === 'TLSv1' || minVersion === 'TLSv1.1'),
  };
  const caPath = settings['net.client.tls.ca.path'];
  if (caPath !== undefined) {
    let pem: string;
    try {
      pem = fs.readFileSync(caPath, 'utf8');
    } catch (error) {
      throw new ApimgwError('APIMGW_E_TLS_CERTIFICATE', `net.client.tls.ca.path: cannot read ${caPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new ApimgwError('APIMGW_E_TLS_CERTIFICATE', `net.client.tls.ca.path: ${caPath} holds no PEM certificate`);
    // `ca` replaces the bundled roots, so they are kept alongside the operator's CAs.
    options.ca = [...rootCertificates, pem];
  }
  return options;
}

/** Per backend origin: the connection options and a key that changes when they do (its pool is then replaced). */
export function backendTlsByOrigin(snapshot: Snapshot, base: ConnectionOptions, logger: Logger): Map<string, { key: string; connect: ConnectionOptions }> {
  const byOrigin = new Map<string, { key: string; connect: ConnectionOptions }>();
  const certificates = new Map(snapshot.certificates.map((c) => [c.id, c]));
  for (const backend of snapshot.backends) {
    const url = new URL(backend.url);
    if (url.protocol !== 'https:' || byOrigin.has(url.origin)) continue;
    const chain = backend.tls?.validateCertificateChain ?? true;
    const name = backend.tls?.validateCertificateName ?? true;
    const certificateId = backend.credentials?.certificateIds?.[0];
    const connect: ConnectionOptions = { ...base };
    // Node checks the name only as part of an authorized chain, so turning the chain off turns both off.
    if (!chain) connect.rejectUnauthorized = false;
    else if (!name) connect.checkServerIdentity = () => undefined;
    if (certificateId !== undefined) {
      const certificate = certificates.get(certificateId);
      try {
        if (certificate) Object.assign(connect, loadCertificate(snapshotCertificateSource(certificate)).material);
      } catch (error) {
        logger.error({ backend: backend.id }, `backend ${backend.id}: client certificate not usable, connecting without it: ${(error as Error).message}`);
      }
    }
    byOrigin.set(url.origin, { key: JSON.stringify([chain, name, certificateId, certificateId && certificates.get(certificateId)]), connect });
  }
  return byOrigin;
}
