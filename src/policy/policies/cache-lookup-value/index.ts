import type { PolicyDefinition } from '../../types.ts';
import { CACHING_TYPES, rawValue, valueCacheKey } from './value.ts';

/**
 * cache-lookup-value (APIM-REFERENCE §4): reads `key` from the cache into
 * `variable-name`. On a miss the variable gets `default-value` when that
 * attribute is present and is left unset otherwise.
 */
export const cacheLookupValuePolicy: PolicyDefinition = {
  name: 'cache-lookup-value',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'variable-name', 'default-value', 'caching-type'],
  compile(element, compiler) {
    const key = compiler.string(element, 'key');
    const variable = compiler.literal(element, 'variable-name');
    compiler.choice(element, 'caching-type', CACHING_TYPES, 'prefer-external');
    const fallback = element.attributes.has('default-value') ? rawValue(element, 'default-value', compiler) : undefined;
    const store = compiler.services.store;
    return async (context) => {
      const found = await store.getCached(valueCacheKey(key(context)));
      if (found !== undefined) context.variables.set(variable, found);
      else if (fallback) context.variables.set(variable, fallback(context));
    };
  },
};
