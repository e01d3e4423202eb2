import type { PolicyDefinition } from '../../types.ts';
import { CACHING_TYPES, valueCacheKey } from '../cache-lookup-value/value.ts';

/** cache-remove-value (APIM-REFERENCE §4): removes `key` from the cache. */
export const cacheRemoveValuePolicy: PolicyDefinition = {
  name: 'cache-remove-value',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'caching-type'],
  compile(element, compiler) {
    const key = compiler.string(element, 'key');
    compiler.choice(element, 'caching-type', CACHING_TYPES, 'prefer-external');
    const store = compiler.services.store;
    return async (context) => {
      await store.deleteCached(valueCacheKey(key(context)));
    };
  },
};
