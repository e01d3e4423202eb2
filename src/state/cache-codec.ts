import { deserialize, serialize } from 'node:v8';
import type { CacheValue } from './store.ts';

/**
 * Cache values are stored as bytes: a store never shares an object with its
 * callers (each hit is a fresh copy, as from Redis), the size cap measures
 * what is really held, and the primary relays values without decoding them.
 * V8's structured-clone format keeps Buffers and Uint8Arrays as such inside
 * JSON-like values, which JSON cannot.
 */
export function encodeCacheValue(value: CacheValue): Uint8Array {
  return serialize(value);
}

export function decodeCacheValue(bytes: Uint8Array): CacheValue {
  return deserialize(bytes) as CacheValue;
}
