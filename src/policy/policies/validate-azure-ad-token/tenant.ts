/**
 * Where a Microsoft Entra tenant publishes its signing keys, and which
 * issuers its tokens carry: v2.0 tokens `<authority>/<tenant id>/v2.0` (the
 * discovery document's `issuer`), v1.0 tokens `https://sts.windows.net/<tenant id>/`
 * in the public cloud (`https://sts.chinacloudapi.cn/<tenant id>/` in Azure
 * China, `<authority>/<tenant id>/` in the other national clouds).
 */

export const DEFAULT_AUTHENTICATION_ENDPOINT = 'https://login.microsoftonline.com';

const V1_ISSUER_HOSTS: Readonly<Record<string, string>> = {
  'login.microsoftonline.com': 'https://sts.windows.net',
  'login.windows.net': 'https://sts.windows.net',
  'login.chinacloudapi.cn': 'https://sts.chinacloudapi.cn',
};

/** `tenant-id` may be an id, a domain or a URL naming the domain (doc): the path segment the authority expects. */
export function tenantSegment(tenantId: string): string {
  const trimmed = tenantId.trim();
  if (/^https?:\/\//i.test(trimmed)) return new URL(trimmed).host;
  return trimmed.replace(/\/+$/, '');
}

/** The endpoint without a trailing slash; throws when it is not an absolute http(s) URL. */
export function authorityOf(endpoint: string): URL {
  const url = new URL(endpoint.trim());
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('it is not an http or https URL');
  return url;
}

export function metadataUrl(authority: URL, tenant: string): string {
  return `${authority.origin}${authority.pathname.replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/v2.0/.well-known/openid-configuration`;
}

/**
 * The issuers a token may carry. The tenant's id comes from its discovery
 * document's issuer; a multi-tenant authority (`common`, `organizations`)
 * publishes `{tenantid}` there, and then the token's own `tid` fills it in.
 * Undefined when the tenant's id is not known.
 */
export function validIssuers(documentIssuer: string | undefined, authority: URL, tokenTenantId: string | undefined): string[] | undefined {
  if (documentIssuer === undefined) return undefined;
  const v2 = documentIssuer.includes('{tenantid}')
    ? (tokenTenantId === undefined ? undefined : documentIssuer.replace('{tenantid}', tokenTenantId))
    : documentIssuer;
  if (v2 === undefined) return undefined;
  const tenantId = new URL(v2).pathname.split('/').filter(Boolean)[0];
  if (tenantId === undefined) return [v2];
  const v1Host = V1_ISSUER_HOSTS[authority.host] ?? `${authority.origin}${authority.pathname.replace(/\/+$/, '')}`;
  return [v2, `${v1Host}/${tenantId}/`];
}
