/** System.Collections.Generic and friends: List<T> methods on JS arrays, Dictionary, HashSet, Queue, Stack, StringBuilder, Array statics. */
import { DotNetException, OutRef } from '../host.ts';
import { argumentNull, argumentOutOfRange, invalidOperation } from './errors.ts';
import { compare, equals } from './operators.ts';
import { str } from './strings.ts';
import { compositeFormat } from './format.ts';
import { formatOne } from './strings.ts';

type F = (...args: unknown[]) => unknown;
type List = unknown[];

function checkIndex(list: ArrayLike<unknown>, i: number, allowEnd = false): void {
  if (!Number.isInteger(i) || i < 0 || i > list.length || (!allowEnd && i === list.length)) throw argumentOutOfRange('index');
}

function sortCompare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, 'en');
  return compare(a, b);
}

/** List<T> (and T[]) members on JS arrays. */
export const LIST_METHODS: Record<string, F> = {
  Add: (l, x) => void (l as List).push(x),
  AddRange: (l, xs) => void (l as List).push(...(xs as Iterable<unknown>)),
  Clear: (l) => void ((l as List).length = 0),
  Contains: (l, x) => [...(l as List)].some((y) => equals(y, x)),
  IndexOf: (l, x) => [...(l as List)].findIndex((y) => equals(y, x)),
  LastIndexOf: (l, x) => {
    const items = [...(l as List)];
    for (let i = items.length - 1; i >= 0; i--) if (equals(items[i], x)) return i;
    return -1;
  },
  Insert: (l, i, x) => {
    checkIndex(l as List, i as number, true);
    (l as List).splice(i as number, 0, x);
  },
  InsertRange: (l, i, xs) => void (l as List).splice(i as number, 0, ...(xs as Iterable<unknown>)),
  Remove: (l, x) => {
    const i = (l as List).findIndex((y) => equals(y, x));
    if (i === -1) return false;
    (l as List).splice(i, 1);
    return true;
  },
  RemoveAt: (l, i) => {
    checkIndex(l as List, i as number);
    (l as List).splice(i as number, 1);
  },
  RemoveAll: (l, p) => {
    const list = l as List;
    const kept = list.filter((x) => (p as F)(x) !== true);
    const removed = list.length - kept.length;
    list.splice(0, list.length, ...kept);
    return removed;
  },
  RemoveRange: (l, i, n) => void (l as List).splice(i as number, n as number),
  Sort: (l, c) => void (l as List).sort(c ? (a, b) => (c as F)(a, b) as number : sortCompare),
  Reverse: (l) => void (l as List).reverse(),
  ToArray: (l) => (l instanceof Uint8Array ? new Uint8Array(l) : [...(l as List)]),
  Find: (l, p) => [...(l as List)].find((x) => (p as F)(x) === true) ?? null,
  FindAll: (l, p) => [...(l as List)].filter((x) => (p as F)(x) === true),
  FindIndex: (l, p) => [...(l as List)].findIndex((x) => (p as F)(x) === true),
  Exists: (l, p) => [...(l as List)].some((x) => (p as F)(x) === true),
  TrueForAll: (l, p) => [...(l as List)].every((x) => (p as F)(x) === true),
  ForEach: (l, f) => void [...(l as List)].forEach((x) => (f as F)(x)),
  GetRange: (l, i, n) => [...(l as List)].slice(i as number, (i as number) + (n as number)),
  CopyTo: (l, target, at) => {
    const items = [...(l as List)];
    items.forEach((x, i) => ((target as List)[(at as number ?? 0) + i] = x));
  },
  Clone: (l) => (l instanceof Uint8Array ? new Uint8Array(l) : [...(l as List)]),
  GetEnumerator: (l) => (l as List)[Symbol.iterator](),
};

export const ArrayStatics = {
  Copy: (source: ArrayLike<unknown>, a: number, b: unknown, c?: number, d?: number) => {
    if (source == null || (typeof b !== 'number' && b == null)) throw argumentNull('array');
    // Copy(source, dest, length) or Copy(source, sourceIndex, dest, destIndex, length)
    const [from, dest, to, length] = typeof b === 'number' || b === undefined ? [0, a as unknown as List, 0, b as number] : [a, b as List, c!, d!];
    if (from < 0 || to < 0 || from + length > source.length || to + length > (dest as ArrayLike<unknown>).length) {
      throw new DotNetException('ArgumentException', 'Destination array was not long enough. Check the destination index, length, and the array\'s lower bounds.');
    }
    for (let i = 0; i < length; i++) (dest as List)[to + i] = source[from + i];
  },
  IndexOf: (array: List, value: unknown) => array.findIndex((x) => equals(x, value)),
  Reverse: (array: List) => void array.reverse(),
  Sort: (array: List) => void array.sort(sortCompare),
  Empty: () => [],
  Exists: (array: List, p: F) => array.some((x) => p(x) === true),
  Find: (array: List, p: F) => array.find((x) => p(x) === true) ?? null,
  Resize: (ref: OutRef<List>, size: number) => {
    const old = ref.value ?? [];
    ref.value = Array.from({ length: size }, (_, i) => (i < old.length ? old[i] : null));
  },
};

/** Keys compare by .NET value equality; StringComparer.OrdinalIgnoreCase folds string keys. */
export class StringComparer {
  readonly ignoreCase: boolean;
  constructor(ignoreCase: boolean) {
    this.ignoreCase = ignoreCase;
  }
  Equals(a: unknown, b: unknown) {
    return this.ignoreCase && typeof a === 'string' && typeof b === 'string' ? a.toUpperCase() === b.toUpperCase() : a === b;
  }
  Compare(a: string, b: string) {
    return sortCompare(this.ignoreCase ? a.toUpperCase() : a, this.ignoreCase ? b.toUpperCase() : b);
  }
}

export const StringComparerStatics = {
  Ordinal: new StringComparer(false), OrdinalIgnoreCase: new StringComparer(true), InvariantCulture: new StringComparer(false),
  InvariantCultureIgnoreCase: new StringComparer(true), CurrentCulture: new StringComparer(false), CurrentCultureIgnoreCase: new StringComparer(true),
};

export class KeyValuePair {
  readonly Key: unknown;
  readonly Value: unknown;
  readonly valueSemantics = true;
  constructor(key: unknown, value: unknown) {
    this.Key = key;
    this.Value = value;
  }
  Equals(other: unknown) {
    return other instanceof KeyValuePair && equals(this.Key, other.Key) && equals(this.Value, other.Value);
  }
  ToString() {
    return `[${str(this.Key)}, ${str(this.Value)}]`;
  }
}

function mapKey(key: unknown, comparer: StringComparer | null): unknown {
  if (key === null || key === undefined) throw argumentNull('key');
  if (comparer?.ignoreCase && typeof key === 'string') return key.toUpperCase();
  if (typeof key === 'object' && 'ms' in (key as object)) return `${(key as object).constructor.name}:${(key as { ms: number }).ms}`;
  return key;
}

export class Dictionary {
  private readonly entries = new Map<unknown, KeyValuePair>();
  private readonly comparer: StringComparer | null;
  constructor(...args: unknown[]) {
    this.comparer = (args.find((a) => a instanceof StringComparer) as StringComparer | undefined) ?? null;
    const source = args.find((a) => a !== null && typeof a === 'object' && !(a instanceof StringComparer) && Symbol.iterator in (a as object));
    if (source) for (const pair of source as Iterable<{ Key: unknown; Value: unknown }>) this.Add(pair.Key, pair.Value);
  }
  get Count() { return this.entries.size; }
  get Keys() { return [...this.entries.values()].map((p) => p.Key); }
  get Values() { return [...this.entries.values()].map((p) => p.Value); }
  get_Item(key: unknown) {
    const pair = this.entries.get(mapKey(key, this.comparer));
    if (!pair) throw new DotNetException('KeyNotFoundException', `The given key '${str(key)}' was not present in the dictionary.`);
    return pair.Value;
  }
  set_Item(key: unknown, value: unknown) {
    this.entries.set(mapKey(key, this.comparer), new KeyValuePair(this.entries.get(mapKey(key, this.comparer))?.Key ?? key, value));
  }
  Add(key: unknown, value: unknown) {
    if (this.entries.has(mapKey(key, this.comparer))) throw new DotNetException('ArgumentException', `An item with the same key has already been added. Key: ${str(key)}`);
    this.entries.set(mapKey(key, this.comparer), new KeyValuePair(key, value));
  }
  TryAdd(key: unknown, value: unknown) {
    if (this.entries.has(mapKey(key, this.comparer))) return false;
    this.Add(key, value);
    return true;
  }
  ContainsKey(key: unknown) { return this.entries.has(mapKey(key, this.comparer)); }
  ContainsValue(value: unknown) { return [...this.entries.values()].some((p) => equals(p.Value, value)); }
  Remove(key: unknown) { return this.entries.delete(mapKey(key, this.comparer)); }
  Clear() { this.entries.clear(); }
  TryGetValue(key: unknown, out: OutRef) {
    const pair = this.entries.get(mapKey(key, this.comparer));
    out.value = pair ? pair.Value : null;
    return pair !== undefined;
  }
  GetValueOrDefault(key: unknown, fallback: unknown = null) {
    return this.entries.get(mapKey(key, this.comparer))?.Value ?? fallback;
  }
  [Symbol.iterator]() { return this.entries.values(); }
}

export class HashSet {
  private readonly items = new Map<unknown, unknown>();
  private readonly comparer: StringComparer | null;
  constructor(...args: unknown[]) {
    this.comparer = (args.find((a) => a instanceof StringComparer) as StringComparer | undefined) ?? null;
    const source = args.find((a) => a !== null && typeof a === 'object' && !(a instanceof StringComparer));
    if (source) for (const x of source as Iterable<unknown>) this.Add(x);
  }
  get Count() { return this.items.size; }
  Add(x: unknown) {
    const key = x === null ? null : mapKey(x, this.comparer);
    if (this.items.has(key)) return false;
    this.items.set(key, x);
    return true;
  }
  Contains(x: unknown) { return this.items.has(x === null ? null : mapKey(x, this.comparer)); }
  Remove(x: unknown) { return this.items.delete(x === null ? null : mapKey(x, this.comparer)); }
  Clear() { this.items.clear(); }
  UnionWith(xs: Iterable<unknown>) { for (const x of xs) this.Add(x); }
  [Symbol.iterator]() { return this.items.values(); }
}

export class Queue {
  private readonly items: unknown[];
  constructor(source?: unknown) {
    this.items = source && typeof source === 'object' ? [...(source as Iterable<unknown>)] : [];
  }
  get Count() { return this.items.length; }
  Enqueue(x: unknown) { this.items.push(x); }
  Dequeue() {
    if (!this.items.length) throw invalidOperation('Queue empty.');
    return this.items.shift();
  }
  Peek() {
    if (!this.items.length) throw invalidOperation('Queue empty.');
    return this.items[0];
  }
  Contains(x: unknown) { return this.items.some((y) => equals(x, y)); }
  ToArray() { return [...this.items]; }
  [Symbol.iterator]() { return this.items[Symbol.iterator](); }
}

export class Stack {
  private readonly items: unknown[];
  constructor(source?: unknown) {
    this.items = source && typeof source === 'object' ? [...(source as Iterable<unknown>)] : [];
  }
  get Count() { return this.items.length; }
  Push(x: unknown) { this.items.push(x); }
  Pop() {
    if (!this.items.length) throw invalidOperation('Stack empty.');
    return this.items.pop();
  }
  Peek() {
    if (!this.items.length) throw invalidOperation('Stack empty.');
    return this.items[this.items.length - 1];
  }
  Contains(x: unknown) { return this.items.some((y) => equals(x, y)); }
  ToArray() { return [...this.items].reverse(); }
  [Symbol.iterator]() { return [...this.items].reverse()[Symbol.iterator](); }
}

export class StringBuilder {
  private text: string;
  constructor(initial?: unknown) {
    this.text = typeof initial === 'string' ? initial : '';
  }
  get Length() { return this.text.length; }
  Append(value: unknown, ...rest: unknown[]) {
    this.text += rest.length === 2 && typeof value === 'string' ? value.slice(rest[0] as number, (rest[0] as number) + (rest[1] as number)) : str(value);
    return this;
  }
  AppendLine(value?: unknown) {
    this.text += `${str(value)}\r\n`;
    return this;
  }
  AppendFormat(format: string, ...args: unknown[]) {
    this.text += compositeFormat(format, args, formatOne);
    return this;
  }
  Insert(index: number, value: unknown) {
    this.text = this.text.slice(0, index) + str(value) + this.text.slice(index);
    return this;
  }
  Remove(start: number, length: number) {
    this.text = this.text.slice(0, start) + this.text.slice(start + length);
    return this;
  }
  Replace(from: string, to: string) {
    this.text = this.text.split(from).join(to ?? '');
    return this;
  }
  Clear() {
    this.text = '';
    return this;
  }
  get_Item(i: number) { return this.text[i]; }
  ToString() { return this.text; }
}

export class Tuple {
  readonly valueSemantics = true;
  constructor(...items: unknown[]) {
    items.forEach((item, i) => Object.defineProperty(this, `Item${i + 1}`, { value: item, enumerable: true }));
  }
  Equals(other: unknown) {
    return other instanceof Tuple && Object.keys(this).every((k) => equals((this as Record<string, unknown>)[k], (other as unknown as Record<string, unknown>)[k]));
  }
  ToString() {
    return `(${Object.keys(this).filter((k) => k.startsWith('Item')).map((k) => str((this as Record<string, unknown>)[k])).join(', ')})`;
  }
}

export const TupleStatics = { Create: (...items: unknown[]) => new Tuple(...items) };
