import type { Snapshot } from './model.ts';
import type { ConfigIssue } from './validate.ts';

/**
 * The TLS parts of a snapshot: certificate ids unique and every reference
 * (gateway hostnames, certificate authorities, backend client certificates)
 * naming one; backends that share an origin must agree on TLS, since
 * connections are pooled per origin.
 */
export function validateTls(snapshot: Snapshot, errors: ConfigIssue[], warnings: ConfigIssue[]): void {
  const ids = new Set<string>();
  snapshot.certificates.forEach((certificate, index) => {
    if (ids.has(certificate.id)) errors.push({ path: ['certificates', index], message: `duplicate certificate id "${certificate.id}"` });
    ids.add(certificate.id);
  });
  const reference = (id: string, path: ReadonlyArray<string | number>) => {
    if (!ids.has(id)) errors.push({ path, message: `unknown certificate "${id}"` });
  };
  const hostnames = new Set<string>();
  snapshot.gateway?.hostnames.forEach((hostname, index) => {
    reference(hostname.certificateId, ['gateway', 'hostnames', index, 'certificateId']);
    const lower = hostname.hostname.toLowerCase();
    if (hostnames.has(lower)) errors.push({ path: ['gateway', 'hostnames', index, 'hostname'], message: `duplicate hostname "${hostname.hostname}"` });
    hostnames.add(lower);
    if (hostname.http2Enabled) warnings.push({ path: ['gateway', 'hostnames', index, 'http2Enabled'], message: 'HTTP/2 is not served by apimgw; clients get HTTP/1.1' });
  });
  snapshot.gateway?.certificateAuthorities.forEach((authority, index) => reference(authority.certificateId, ['gateway', 'certificateAuthorities', index, 'certificateId']));
  const tlsByOrigin = new Map<string, { index: number; tls: string }>();
  snapshot.backends.forEach((backend, index) => {
    backend.credentials?.certificateIds?.forEach((id, i) => reference(id, ['backends', index, 'credentials', 'certificateIds', i]));
    if ((backend.credentials?.certificateIds?.length ?? 0) > 1) {
      warnings.push({ path: ['backends', index, 'credentials', 'certificateIds'], message: 'only the first client certificate is presented to the backend' });
    }
    const origin = new URL(backend.url).origin;
    const tls = JSON.stringify([backend.tls?.validateCertificateChain ?? true, backend.tls?.validateCertificateName ?? true, backend.credentials?.certificateIds?.[0] ?? null]);
    const earlier = tlsByOrigin.get(origin);
    if (earlier && earlier.tls !== tls) {
      errors.push({ path: ['backends', index], message: `TLS settings differ from backends[${earlier.index}] with the same origin ${origin}; connections are shared per origin, so they must agree` });
    }
    if (!earlier) tlsByOrigin.set(origin, { index, tls });
  });
}
