import { DotNetException, OutRef, generic } from '../expression/host.ts';
import { dotNetTypeName } from '../expression/runtime/errors.ts';

/**
 * The C# face of the context's read-only dictionaries (Headers, Url.Query,
 * MatchedParameters, Variables): indexer, ContainsKey, TryGetValue,
 * GetValueOrDefault, Count, Keys, Values, and iteration as {Key, Value} pairs.
 * Keys compare case-insensitively when built with `ignoreCase` (HTTP header
 * and query names, as APIM's .NET dictionaries do).
 */
export class HostDictionary<V> {
  protected readonly entries = new Map<string, { key: string; value: V }>();
  readonly #ignoreCase: boolean;

  constructor(ignoreCase: boolean) {
    this.#ignoreCase = ignoreCase;
  }

  protected normalise(key: string): string {
    return this.#ignoreCase ? key.toLowerCase() : key;
  }

  /** Internal read (policies); undefined when absent. */
  get(key: string): V | undefined {
    return this.entries.get(this.normalise(key))?.value;
  }

  has(key: string): boolean {
    return this.entries.has(this.normalise(key));
  }

  /** Internal write (policies only: expressions see a read-only dictionary). */
  set(key: string, value: V): void {
    const normalised = this.normalise(key);
    const existing = this.entries.get(normalised);
    if (existing) existing.value = value;
    else this.entries.set(normalised, { key, value });
  }

  delete(key: string): boolean {
    return this.entries.delete(this.normalise(key));
  }

  get size(): number {
    return this.entries.size;
  }

  *[Symbol.iterator](): IterableIterator<{ Key: string; Value: V }> {
    for (const { key, value } of this.entries.values()) yield { Key: key, Value: value };
  }

  get_Item(key: string): V {
    const entry = this.entries.get(this.normalise(key));
    if (!entry) throw new DotNetException('KeyNotFoundException', `The given key '${key}' was not present in the dictionary.`);
    return entry.value;
  }

  ContainsKey(key: string): boolean {
    return this.has(key);
  }

  TryGetValue(key: string, out: OutRef<V>): boolean {
    const entry = this.entries.get(this.normalise(key));
    out.value = entry?.value;
    return entry !== undefined;
  }

  get Count(): number {
    return this.entries.size;
  }

  get Keys(): string[] {
    return [...this.entries.values()].map((entry) => entry.key);
  }

  get Values(): V[] {
    return [...this.entries.values()].map((entry) => entry.value);
  }
}

/**
 * A dictionary of string[] values (headers, query parameters). APIM adds
 * GetValueOrDefault(name, default) returning the values comma-joined.
 */
export class MultiValueDictionary extends HostDictionary<string[]> {
  constructor() {
    super(true);
  }

  /** Internal: the values joined as one string, or undefined. */
  joined(name: string): string | undefined {
    return this.get(name)?.join(',');
  }

  append(name: string, values: readonly string[]): void {
    const existing = this.get(name);
    if (existing) existing.push(...values);
    else this.set(name, [...values]);
  }

  GetValueOrDefault(name: string, defaultValue: string | null = null): string | null {
    return this.joined(name) ?? defaultValue;
  }
}

/**
 * context.Variables: values of any type set by set-variable and friends.
 * GetValueOrDefault<T>(name, default) throws InvalidCastException when the
 * stored value is not a T, as APIM does.
 */
export class VariableDictionary extends HostDictionary<unknown> {
  constructor() {
    super(false);
  }

  readonly GetValueOrDefault = generic((typeArguments: readonly string[], name: string, defaultValue: unknown = null): unknown => {
    if (!this.has(name)) return defaultValue;
    const value = this.get(name);
    const wanted = typeArguments[0];
    if (wanted !== undefined && value !== null && !fitsType(value, wanted)) {
      throw new DotNetException('InvalidCastException', `Unable to cast object of type '${dotNetTypeName(value)}' to type '${wanted}'.`);
    }
    return value;
  });
}

const NUMERIC = new Set(['int', 'long', 'short', 'byte', 'double', 'float', 'decimal', 'Int32', 'Int64', 'Int16', 'Double', 'Single', 'Decimal', 'uint', 'ulong']);

function fitsType(value: unknown, type: string): boolean {
  const bare = type.endsWith('?') ? type.slice(0, -1) : type;
  if (bare === 'object' || bare === 'Object' || bare === 'var') return true;
  if (bare === 'string' || bare === 'String') return typeof value === 'string';
  if (bare === 'bool' || bare === 'Boolean') return typeof value === 'boolean';
  if (NUMERIC.has(bare)) return typeof value === 'number';
  if (bare.endsWith('[]')) return Array.isArray(value) || value instanceof Uint8Array;
  // Library types (JObject, DateTime …): trust the name the value's class carries.
  const name = (value as { constructor?: { name?: string } }).constructor?.name;
  return name === undefined || name === bare || typeof value === 'object';
}
