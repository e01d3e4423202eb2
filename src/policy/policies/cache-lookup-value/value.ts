import type { RequestContext } from '../../context/request-context.ts';
import { isExpression } from '../../expression/index.ts';
import type { PolicyCompiler, PolicyElement } from '../../types.ts';
import type { CacheValue } from '../../../state/store.ts';

/**
 * Shared by cache-lookup-value, cache-store-value and cache-remove-value.
 * APIM's value cache is one key space for the whole instance (a value
 * stored by one API is read by another — the docs' custom-caching example
 * relies on it), so keys are not scoped by API; the prefix only keeps them
 * apart from cached responses (cache-lookup) in the shared store.
 */

export const CACHING_TYPES = ['prefer-external', 'external', 'internal'] as const;

export function valueCacheKey(key: string): string {
  return `value:${key}`;
}

/** An attribute's value as the expression produced it (not turned into text), for what gets cached. */
export function rawValue(element: PolicyElement, attribute: string, compiler: PolicyCompiler): (context: RequestContext) => CacheValue {
  const source = element.attributes.get(attribute);
  if (!source) return compiler.fail(`${element.name}: attribute "${attribute}" is required`, element);
  if (!isExpression(source.value)) {
    const constant = source.value;
    return () => constant;
  }
  const evaluate = compiler.expression(source);
  const asText = compiler.string(element, attribute);
  return (context) => {
    const value = evaluate(context);
    if (value === null || value === undefined) return null;
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || value instanceof Uint8Array) return value;
    // Other .NET values (JObject, DateTime …) are cached as the text APIM would print for them.
    return asText(context);
  };
}
