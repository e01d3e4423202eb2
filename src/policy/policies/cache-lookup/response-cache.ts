import type { RequestContext } from '../../context/request-context.ts';
import type { CacheValue } from '../../../state/store.ts';

/**
 * What cache-lookup hands to cache-store for one request, and how a cached
 * response is keyed and stored.
 *
 * The key follows what APIM's traces show (a cacheKey observed in a
 * learn.microsoft.com Q&A, "APIM caching inbound policy does not work with
 * API request made from different API Product"):
 * `3_<host>.12_<product>.74482w-data;rev=12.194748_get-data.194749_8_https_<backend host>_443/<path>?<query>`
 * — the product, the API and its revision, the operation, and the backend
 * URL with its query. Each part here is length-prefixed, so no API id,
 * URL or header value can run into the next part and make two different
 * requests share an entry.
 */

export interface LookupState {
  readonly key: string;
  readonly downstream: 'none' | 'private' | 'public';
  readonly mustRevalidate: boolean;
}

const STATES = new WeakMap<RequestContext, LookupState>();

export function rememberLookup(context: RequestContext, state: LookupState): void {
  STATES.set(context, state);
}

/** The lookup this request made; undefined when cache-lookup did not run or skipped the request. */
export function lookupOf(context: RequestContext): LookupState | undefined {
  return STATES.get(context);
}

export function responseCacheKey(parts: readonly string[]): string {
  return `response:${parts.map((part) => `${part.length}_${part}`).join('.')}`;
}

/** A cached response as the store keeps it. */
export interface CachedResponse {
  status: number;
  reason: string;
  /** Flat [name, value, …]. */
  headers: string[];
  body: Uint8Array;
  /** Epoch ms, for the downstream max-age. */
  expiresAt: number;
}

export function toCacheValue(response: CachedResponse): CacheValue {
  return { status: response.status, reason: response.reason, headers: response.headers, body: response.body, expiresAt: response.expiresAt };
}

export function fromCacheValue(value: CacheValue | undefined): CachedResponse | undefined {
  if (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) return undefined;
  const { status, reason, headers, body, expiresAt } = value;
  if (typeof status !== 'number' || typeof reason !== 'string' || !Array.isArray(headers) || !(body instanceof Uint8Array) || typeof expiresAt !== 'number') return undefined;
  return { status, reason, headers: headers.map(String), body, expiresAt };
}

/** `Cache-Control` for the client per downstream-caching-type; undefined for `none`. */
export function downstreamCacheControl(state: LookupState, maxAgeSeconds: number): string | undefined {
  if (state.downstream === 'none') return undefined;
  return `${state.downstream}, ${state.mustRevalidate ? 'must-revalidate, ' : ''}max-age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
}
