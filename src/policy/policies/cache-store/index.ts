import type { PolicyDefinition } from '../../types.ts';
import { downstreamCacheControl, lookupOf, toCacheValue } from '../cache-lookup/response-cache.ts';

/**
 * cache-store (APIM-REFERENCE §4): stores the response for the key the
 * matching cache-lookup computed (nothing happens without one, or for a
 * request the lookup skipped — non-GET, private). Only `200 OK` responses
 * unless `cache-response` says otherwise; bodies above APIM's 2 MiB cap are
 * not cached.
 */

const MAX_CACHED_BODY_BYTES = 2 * 1024 * 1024;

export const cacheStorePolicy: PolicyDefinition = {
  name: 'cache-store',
  sections: ['outbound'],
  attributes: ['duration', 'cache-response'],
  compile(element, compiler) {
    const duration = compiler.integer(element, 'duration');
    const cacheResponse = element.attributes.has('cache-response') ? compiler.boolean(element, 'cache-response') : undefined;
    const { store, logger } = compiler.services;

    const run = async (context: Parameters<typeof lookupOf>[0]): Promise<void> => {
      const lookup = lookupOf(context);
      if (!lookup) return;
      const { response } = context;
      if (cacheResponse ? !cacheResponse(context) : response.statusCode !== 200) return;
      const body = response.body?.content ?? Buffer.alloc(0);
      if (body.length > MAX_CACHED_BODY_BYTES) return;
      const seconds = duration(context);
      const result = await store.setCached(lookup.key, toCacheValue({
        status: response.statusCode,
        reason: response.statusReason,
        headers: response.headers.toRaw(),
        body: new Uint8Array(body),
        expiresAt: Date.now() + seconds * 1000,
      }), seconds);
      if (!result.stored) logger.debug({ requestId: context.requestId, reason: result.reason }, 'cache-store did not store the response');
      const cacheControl = downstreamCacheControl(lookup, seconds);
      if (cacheControl) response.headers.set('Cache-Control', [cacheControl]);
    };
    return { run, usesBody: true };
  },
};
