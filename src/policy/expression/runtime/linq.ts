/** LINQ (System.Linq.Enumerable) over any iterable; results are arrays, which are Lists and arrays to expressions. */
import { generic } from '../host.ts';
import { argumentOutOfRange, invalidOperation } from './errors.ts';
import { compare, equals } from './operators.ts';
import { Dictionary, HashSet } from './collections.ts';

type Seq = Iterable<unknown>;
type F = (...args: unknown[]) => unknown;

const list = (s: Seq) => (Array.isArray(s) ? (s as unknown[]) : [...s]);
const noElements = () => invalidOperation('Sequence contains no elements');
const indexed = (f: F) => (x: unknown, i: number) => f(x, i);

function first(s: Seq, p?: F): { found: boolean; value: unknown } {
  for (const x of s) if (!p || p(x) === true) return { found: true, value: x };
  return { found: false, value: null };
}

function last(s: Seq, p?: F): { found: boolean; value: unknown } {
  const items = list(s).filter((x) => !p || p(x) === true);
  return items.length ? { found: true, value: items[items.length - 1] } : { found: false, value: null };
}

/** OrderBy results remember their keys so ThenBy can refine the order. */
class Ordered extends Array<unknown> {
  orderKeys: { key: F; descending: boolean }[] = [];
  static sort(items: unknown[], keys: { key: F; descending: boolean }[]): Ordered {
    const result = new Ordered();
    result.push(...items);
    result.orderKeys = keys;
    const pairs = items.map((x, i) => ({ x, i }));
    pairs.sort((a, b) => {
      for (const { key, descending } of keys) {
        const c = compareNullable(key(a.x), key(b.x));
        if (c !== 0) return descending ? -c : c;
      }
      return a.i - b.i;
    });
    pairs.forEach((p, i) => (result[i] = p.x));
    return result;
  }
}

function compareNullable(a: unknown, b: unknown): number {
  if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
  if (typeof a === 'string' && typeof b === 'string') return a.localeCompare(b, 'en');
  return compare(a, b);
}

function numeric(s: Seq, selector?: F): number[] {
  return list(s).map((x) => (selector ? selector(x) : x) as number).filter((x) => x !== null);
}

/** Distinct keys by .NET equality (strings and numbers by value). */
function keyOf(x: unknown): unknown {
  if (x && typeof x === 'object' && 'ms' in x) return `${(x as { constructor: { name: string } }).constructor.name}:${(x as { ms: number }).ms}`;
  return x;
}

class Grouping extends Array<unknown> {
  Key: unknown = null;
}

export const LINQ: Record<string, F> = {
  Where: (s, p) => list(s as Seq).filter(indexed(p as F)),
  Select: (s, f) => list(s as Seq).map(indexed(f as F)),
  SelectMany: (s, f) => list(s as Seq).flatMap((x) => list((f as F)(x) as Seq)),
  Any: (s, p) => first(s as Seq, p as F | undefined).found,
  All: (s, p) => list(s as Seq).every((x) => (p as F)(x) === true),
  Count: (s, p) => (p ? list(s as Seq).filter((x) => (p as F)(x) === true).length : list(s as Seq).length),
  LongCount: (s, p) => LINQ.Count!(s, p),
  First: (s, p) => {
    const r = first(s as Seq, p as F | undefined);
    if (!r.found) throw p ? invalidOperation('Sequence contains no matching element') : noElements();
    return r.value;
  },
  FirstOrDefault: (s, p, d) => (typeof p === 'function' ? first(s as Seq, p as F).value ?? d ?? null : first(s as Seq).found ? first(s as Seq).value : p ?? null),
  Last: (s, p) => {
    const r = last(s as Seq, p as F | undefined);
    if (!r.found) throw p ? invalidOperation('Sequence contains no matching element') : noElements();
    return r.value;
  },
  LastOrDefault: (s, p) => last(s as Seq, p as F | undefined).value,
  Single: (s, p) => {
    const items = list(s as Seq).filter((x) => !p || (p as F)(x) === true);
    if (items.length === 0) throw p ? invalidOperation('Sequence contains no matching element') : noElements();
    if (items.length > 1) throw invalidOperation(p ? 'Sequence contains more than one matching element' : 'Sequence contains more than one element');
    return items[0];
  },
  SingleOrDefault: (s, p) => {
    const items = list(s as Seq).filter((x) => !p || (p as F)(x) === true);
    if (items.length > 1) throw invalidOperation('Sequence contains more than one element');
    return items[0] ?? null;
  },
  ElementAt: (s, i) => {
    const items = list(s as Seq);
    if ((i as number) < 0 || (i as number) >= items.length) throw argumentOutOfRange('index');
    return items[i as number];
  },
  ElementAtOrDefault: (s, i) => list(s as Seq)[i as number] ?? null,
  OrderBy: (s, k) => Ordered.sort(list(s as Seq), [{ key: k as F, descending: false }]),
  OrderByDescending: (s, k) => Ordered.sort(list(s as Seq), [{ key: k as F, descending: true }]),
  ThenBy: (s, k) => Ordered.sort(list(s as Seq), [...((s as Ordered).orderKeys ?? []), { key: k as F, descending: false }]),
  ThenByDescending: (s, k) => Ordered.sort(list(s as Seq), [...((s as Ordered).orderKeys ?? []), { key: k as F, descending: true }]),
  GroupBy: (s, k, e) => {
    const groups = new Map<unknown, Grouping>();
    for (const x of s as Seq) {
      const key = (k as F)(x);
      let g = groups.get(keyOf(key));
      if (!g) {
        g = new Grouping();
        g.Key = key;
        groups.set(keyOf(key), g);
      }
      g.push(e ? (e as F)(x) : x);
    }
    return [...groups.values()];
  },
  Distinct: (s) => {
    const seen = new Map<unknown, unknown>();
    for (const x of s as Seq) if (!seen.has(keyOf(x))) seen.set(keyOf(x), x);
    return [...seen.values()];
  },
  Skip: (s, n) => list(s as Seq).slice(Math.max(0, n as number)),
  Take: (s, n) => list(s as Seq).slice(0, Math.max(0, n as number)),
  SkipWhile: (s, p) => {
    const items = list(s as Seq);
    const i = items.findIndex((x) => (p as F)(x) !== true);
    return i === -1 ? [] : items.slice(i);
  },
  TakeWhile: (s, p) => {
    const items = list(s as Seq);
    const i = items.findIndex((x) => (p as F)(x) !== true);
    return i === -1 ? items : items.slice(0, i);
  },
  Sum: (s, f) => numeric(s as Seq, f as F | undefined).reduce((a, b) => a + b, 0),
  Min: (s, f) => {
    const n = numeric(s as Seq, f as F | undefined);
    if (!n.length) throw noElements();
    return n.reduce((a, b) => (compareNullable(b, a) < 0 ? b : a));
  },
  Max: (s, f) => {
    const n = numeric(s as Seq, f as F | undefined);
    if (!n.length) throw noElements();
    return n.reduce((a, b) => (compareNullable(b, a) > 0 ? b : a));
  },
  Average: (s, f) => {
    const n = numeric(s as Seq, f as F | undefined);
    if (!n.length) throw noElements();
    return n.reduce((a, b) => a + b, 0) / n.length;
  },
  ToArray: (s) => (s instanceof Uint8Array ? new Uint8Array(s) : [...(s as Seq)]),
  ToList: (s) => [...(s as Seq)],
  AsEnumerable: (s) => s,
  Contains: (s, v) => list(s as Seq).some((x) => equals(x, v)),
  Aggregate: (s, a, b, c) => {
    const items = list(s as Seq);
    if (typeof a === 'function') {
      if (!items.length) throw noElements();
      return items.slice(1).reduce((acc, x) => (a as F)(acc, x), items[0]);
    }
    const result = items.reduce((acc, x) => (b as F)(acc, x), a);
    return c ? (c as F)(result) : result;
  },
  Concat: (s, other) => [...(s as Seq), ...(other as Seq)],
  Append: (s, v) => [...(s as Seq), v],
  Prepend: (s, v) => [v, ...(s as Seq)],
  Zip: (s, other, f) => {
    const a = list(s as Seq);
    const b = list(other as Seq);
    return a.slice(0, Math.min(a.length, b.length)).map((x, i) => (f ? (f as F)(x, b[i]) : { Item1: x, Item2: b[i] }));
  },
  Reverse: (s) => list(s as Seq).slice().reverse(),
  SequenceEqual: (s, other) => {
    const a = list(s as Seq);
    const b = list(other as Seq);
    return a.length === b.length && a.every((x, i) => equals(x, b[i]));
  },
  Union: (s, other) => LINQ.Distinct!([...(s as Seq), ...(other as Seq)]),
  Intersect: (s, other) => LINQ.Distinct!(list(s as Seq).filter((x) => list(other as Seq).some((y) => equals(x, y)))),
  Except: (s, other) => LINQ.Distinct!(list(s as Seq).filter((x) => !list(other as Seq).some((y) => equals(x, y)))),
  DefaultIfEmpty: (s, d) => {
    const items = list(s as Seq);
    return items.length ? items : [d ?? null];
  },
  ToDictionary: (s, k, v) => {
    const d = new Dictionary();
    for (const x of s as Seq) d.Add((k as F)(x), v ? (v as F)(x) : x);
    return d;
  },
  ToHashSet: (s) => new HashSet(s as Seq),
  ToLookup: (s, k, e) => LINQ.GroupBy!(s, k, e),
  Cast: generic((_t: readonly string[], s: unknown) => list(s as Seq)) as F,
  OfType: generic((t: readonly string[], s: unknown) => list(s as Seq).filter((x) => ofType(x, t[0] ?? 'object'))) as F,
};

function ofType(x: unknown, type: string): boolean {
  switch (type) {
    case 'string': return typeof x === 'string';
    case 'int': case 'long': return typeof x === 'number' && Number.isInteger(x);
    case 'double': case 'decimal': return typeof x === 'number';
    case 'bool': return typeof x === 'boolean';
    default: return x !== null && x !== undefined && (typeof x !== 'object' || (x as object).constructor?.name === type || type === 'object');
  }
}

