import { MessageBody } from '../../context/body.ts';
import { HeaderDictionary, ResponseMessage } from '../../context/message.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
import { CACHING_TYPES } from '../cache-lookup-value/value.ts';
import { downstreamCacheControl, fromCacheValue, rememberLookup, responseCacheKey, type LookupState } from './response-cache.ts';

/**
 * cache-lookup (APIM-REFERENCE §4): answers a GET from the response cache.
 * Only GET requests take part, and requests carrying Authorization only
 * with allow-private-response-caching="true". A hit replaces the response
 * with the stored status, headers and body and ends the pipeline (APIM
 * instead resumes outbound after the matching cache-store; apimgw skips
 * outbound on a hit). A miss remembers the key for cache-store.
 *
 * Snapshots carry no developer accounts: vary-by-developer varies by the
 * subscription (the developer's key), vary-by-developer-groups adds
 * nothing beyond that.
 */

export const cacheLookupPolicy: PolicyDefinition = {
  name: 'cache-lookup',
  sections: ['inbound'],
  attributes: ['vary-by-developer', 'vary-by-developer-groups', 'caching-type', 'downstream-caching-type', 'must-revalidate', 'allow-private-response-caching'],
  compile(element, compiler) {
    const byDeveloper = compiler.boolean(element, 'vary-by-developer');
    const byGroups = compiler.boolean(element, 'vary-by-developer-groups');
    compiler.choice(element, 'caching-type', CACHING_TYPES, 'prefer-external');
    const downstream = compiler.choice(element, 'downstream-caching-type', ['none', 'private', 'public'], 'none');
    const mustRevalidate = compiler.boolean(element, 'must-revalidate', true);
    const allowPrivate = compiler.boolean(element, 'allow-private-response-caching', false);
    const { headers, queryParameters } = varyBy(element, compiler);
    const store = compiler.services.store;

    return async (context) => {
      const { request } = context;
      if (request.method !== 'GET') return;
      if (request.headers.has('Authorization') && !allowPrivate(context)) return;
      const developer = byDeveloper(context) || byGroups(context) ? context.route.subscription?.Id ?? '' : '';
      const state: LookupState = { key: responseCacheKey(keyParts(context, developer, headers, queryParameters)), downstream, mustRevalidate: mustRevalidate(context) };
      rememberLookup(context, state);
      const cached = fromCacheValue(await store.getCached(state.key));
      context.cache = cached ? 'hit' : 'miss';
      if (!cached) return;
      const responseHeaders = HeaderDictionary.fromRaw(cached.headers);
      const cacheControl = downstreamCacheControl(state, (cached.expiresAt - Date.now()) / 1000);
      if (cacheControl) responseHeaders.set('Cache-Control', [cacheControl]);
      context.response = new ResponseMessage(cached.status, cached.reason, responseHeaders, MessageBody.of(Buffer.from(cached.body)));
      context.end();
    };
  },
};

/** `vary-by-header` / `vary-by-query-parameter` children; each may list several names separated by `;`. */
function varyBy(element: PolicyElement, compiler: PolicyCompiler): { headers: string[]; queryParameters: string[] | undefined } {
  const headers: string[] = [];
  let queryParameters: string[] | undefined;
  for (const child of element.children) {
    if (child.name !== 'vary-by-header' && child.name !== 'vary-by-query-parameter') compiler.fail(`cache-lookup: unexpected element <${child.name}>`, child);
    const text = child.text;
    if (!text || text.value.trim() === '') compiler.fail(`cache-lookup: <${child.name}> needs a name`, child);
    if (text.value.trimStart().startsWith('@')) compiler.fail(`cache-lookup: <${child.name}> cannot be a policy expression`, text);
    const names = text.value.split(';').map((name) => name.trim()).filter((name) => name !== '');
    if (child.name === 'vary-by-header') headers.push(...names.map((name) => name.toLowerCase()));
    else (queryParameters ??= []).push(...names);
  }
  return { headers, queryParameters };
}

/**
 * Product, API + revision, operation, backend URL, developer, then the
 * varied headers and query parameters. Without vary-by-query-parameter the
 * whole query is part of the URL (as in APIM's observed key); with it,
 * only the listed parameters are.
 */
function keyParts(context: RequestContext, developer: string, headers: readonly string[], queryParameters: readonly string[] | undefined): string[] {
  const { url } = context.request;
  const route = context.route;
  const parts = [route.product?.Id ?? '', `${route.api.Id};rev=${route.api.Revision}`, route.operation?.Id ?? '', `${url.scheme}_${url.host}_${url.port}${url.Path}`];
  if (queryParameters === undefined) parts.push(url.QueryString);
  else for (const name of queryParameters) parts.push(`${name}=${url.query.joined(name) ?? ''}`);
  parts.push(developer);
  for (const name of headers) parts.push(`${name}:${context.request.headers.joined(name) ?? ''}`);
  return parts;
}
