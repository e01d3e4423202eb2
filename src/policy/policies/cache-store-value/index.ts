import type { PolicyDefinition } from '../../types.ts';
import { CACHING_TYPES, rawValue, valueCacheKey } from '../cache-lookup-value/value.ts';

/** cache-store-value (APIM-REFERENCE §4): stores `value` under `key` for `duration` seconds. */
export const cacheStoreValuePolicy: PolicyDefinition = {
  name: 'cache-store-value',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'value', 'duration', 'caching-type'],
  compile(element, compiler) {
    const key = compiler.string(element, 'key');
    const value = rawValue(element, 'value', compiler);
    const duration = compiler.integer(element, 'duration');
    compiler.choice(element, 'caching-type', CACHING_TYPES, 'prefer-external');
    const store = compiler.services.store;
    return async (context) => {
      await store.setCached(valueCacheKey(key(context)), value(context), duration(context));
    };
  },
};
