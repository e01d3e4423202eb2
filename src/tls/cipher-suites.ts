import { z } from 'zod';

/**
 * The cipher suites the Azure self-hosted gateway accepts in
 * `net.server.tls.ciphers.allowed-suites` / `net.client.tls.ciphers.allowed-suites`,
 * by their IANA names, in the SHGW's default order. Source: Microsoft Learn,
 * "Self-hosted gateway overview" → "Available cipher suites", and the
 * "Self-hosted gateway settings reference" → "Security" (MicrosoftDocs/azure-docs,
 * articles/api-management/self-hosted-gateway-overview.md and
 * self-hosted-gateway-settings-reference.md). Each maps to its OpenSSL name:
 * Node's `ciphers` option takes both kinds (see opensslCiphers).
 */
export const IANA_TO_OPENSSL: ReadonlyMap<string, string> = new Map([
  ['TLS_AES_256_GCM_SHA384', 'TLS_AES_256_GCM_SHA384'],
  ['TLS_CHACHA20_POLY1305_SHA256', 'TLS_CHACHA20_POLY1305_SHA256'],
  ['TLS_AES_128_GCM_SHA256', 'TLS_AES_128_GCM_SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384', 'ECDHE-ECDSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', 'ECDHE-RSA-AES256-GCM-SHA384'],
  ['TLS_DHE_RSA_WITH_AES_256_GCM_SHA384', 'DHE-RSA-AES256-GCM-SHA384'],
  ['TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'ECDHE-RSA-CHACHA20-POLY1305'],
  ['TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256', 'DHE-RSA-CHACHA20-POLY1305'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256', 'ECDHE-ECDSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256', 'ECDHE-RSA-AES128-GCM-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_128_GCM_SHA256', 'DHE-RSA-AES128-GCM-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384', 'ECDHE-ECDSA-AES256-SHA384'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384', 'ECDHE-RSA-AES256-SHA384'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA256', 'DHE-RSA-AES256-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256', 'ECDHE-ECDSA-AES128-SHA256'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256', 'ECDHE-RSA-AES128-SHA256'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA256', 'DHE-RSA-AES128-SHA256'],
  ['TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA', 'ECDHE-ECDSA-AES256-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA', 'ECDHE-RSA-AES256-SHA'],
  ['TLS_DHE_RSA_WITH_AES_256_CBC_SHA', 'DHE-RSA-AES256-SHA'],
  ['TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA', 'ECDHE-ECDSA-AES128-SHA'],
  ['TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA', 'ECDHE-RSA-AES128-SHA'],
  ['TLS_DHE_RSA_WITH_AES_128_CBC_SHA', 'DHE-RSA-AES128-SHA'],
  ['TLS_RSA_WITH_AES_256_GCM_SHA384', 'AES256-GCM-SHA384'],
  ['TLS_RSA_WITH_AES_128_GCM_SHA256', 'AES128-GCM-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA256', 'AES256-SHA256'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA256', 'AES128-SHA256'],
  ['TLS_RSA_WITH_AES_256_CBC_SHA', 'AES256-SHA'],
  ['TLS_RSA_WITH_AES_128_CBC_SHA', 'AES128-SHA'],
]);

/** The SHGW default: all 30. */
export const DEFAULT_ALLOWED_SUITES = [...IANA_TO_OPENSSL.keys()].join(',');

/**
 * IANA names → Node's `ciphers` option, which takes the OpenSSL names of
 * both kinds: Node sends the TLS 1.3 ones (`TLS_…`) to OpenSSL's
 * ciphersuites and the rest to its cipher list, and turns a protocol off when
 * no suite of it is left. TLS 1.0/1.1 need OpenSSL security level 0 (OpenSSL
 * 3 refuses them at its default level because of their SHA-1/MD5 handshake
 * signatures), so `@SECLEVEL=0` is appended only when they are on.
 */
export function opensslCiphers(suites: readonly string[], legacyProtocols = false): string {
  const list = suites.map((suite) => IANA_TO_OPENSSL.get(suite)!).join(':');
  return legacyProtocols ? `${list}:@SECLEVEL=0` : list;
}

/** The settings schema: a comma-separated list of the 30 names; anything else is refused with the valid names listed. */
export const allowedSuitesSchema = z.string().transform((value, ctx) => {
  const suites = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = suites.filter((s) => !IANA_TO_OPENSSL.has(s));
  if (unknown.length > 0) {
    ctx.addIssue({ code: 'custom', message: `unknown cipher suite${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; valid IANA names: ${[...IANA_TO_OPENSSL.keys()].join(', ')}` });
    return z.NEVER;
  }
  if (suites.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'at least one cipher suite is required' });
    return z.NEVER;
  }
  return [...new Set(suites)];
});
