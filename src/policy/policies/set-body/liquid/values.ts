import { HostDictionary, MultiValueDictionary } from '../../../context/dictionary.ts';
import { toJs } from '../../../expression/dotnet/json/convert.ts';
import { JToken } from '../../../expression/dotnet/json/jtoken.ts';
import { BLANK, EMPTY } from './expression.ts';

/**
 * How Liquid sees values: the bound body (plain JSON-like data), the APIM
 * context objects (PascalCase host objects, dictionaries) and literals.
 */

/** Text of a value as Liquid prints it: nil → empty, arrays concatenated, objects as JSON. */
export function toText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(toText).join('');
  if (value instanceof Date) return value.toISOString();
  if (typeof (value as { ToString?: unknown }).ToString === 'function') return String((value as { ToString: () => unknown }).ToString());
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Liquid truthiness: only false and nil are false. */
export function truthy(value: unknown): boolean {
  return value !== false && value !== null && value !== undefined;
}

/** One step of a variable path: property, index, `size`/`first`/`last`, dictionary lookup. */
export function lookup(target: unknown, key: unknown): unknown {
  if (target === null || target === undefined) return undefined;
  // A Newtonsoft token held in a variable reads like the JSON it stands for.
  if (target instanceof JToken) target = toJs(target);
  if (target === null || target === undefined) return undefined;
  if (Array.isArray(target) || typeof target === 'string') {
    if (typeof key === 'number') return key < 0 ? target[target.length + key] : target[key];
    if (key === 'size') return target.length;
    if (key === 'first') return target[0];
    if (key === 'last') return target[target.length - 1];
    return undefined;
  }
  const name = typeof key === 'number' ? String(key) : toText(key);
  if (target instanceof MultiValueDictionary) {
    if (name === 'size' && !target.has(name)) return target.size;
    return target.joined(name);
  }
  if (target instanceof HostDictionary) {
    if (name === 'size' && !target.has(name)) return target.size;
    return target.get(name);
  }
  if (target instanceof Map) return target.get(name);
  if (typeof target !== 'object') return undefined;
  const record = target as Record<string, unknown>;
  if (name in record) {
    const value = record[name];
    // Url.ToString / ToUri: parameterless methods read as properties, as DotLiquid's drops do.
    return typeof value === 'function' ? (value as () => unknown).call(target) : value;
  }
  if (name === 'size') return Object.keys(record).length;
  return undefined;
}

export function isEmpty(value: unknown): boolean {
  if (value === '' ) return true;
  if (Array.isArray(value)) return value.length === 0;
  if (value !== null && typeof value === 'object' && !(value instanceof HostDictionary)) return Object.keys(value).length === 0;
  if (value instanceof HostDictionary) return value.size === 0;
  return false;
}

export function equals(left: unknown, right: unknown): boolean {
  if (right === EMPTY) return isEmpty(left);
  if (left === EMPTY) return isEmpty(right);
  if (right === BLANK) return isBlank(left);
  if (left === BLANK) return isBlank(right);
  if ((left === null || left === undefined) && (right === null || right === undefined)) return true;
  return left === right;
}

function isBlank(value: unknown): boolean {
  return value === null || value === undefined || value === false || (typeof value === 'string' && value.trim() === '') || isEmpty(value);
}
