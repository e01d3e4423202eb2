/**
 * How JS objects present themselves to compiled C# policy expressions.
 *
 * The `context` model, the .NET library types and anything else an expression
 * can reach are plain JS objects that follow these conventions, so the
 * expression runtime needs no per-type glue:
 *
 * - Properties and methods carry their C# names (PascalCase): `Request`,
 *   `Headers`, `GetValueOrDefault(...)`. Properties are JS properties or getters.
 * - Indexers are methods named as .NET names them: `get_Item(key)` and
 *   `set_Item(key, value)`. JS arrays, strings and Uint8Arrays index natively.
 * - Collections are JS iterables; dictionaries iterate as `{ Key, Value }`
 *   pairs. LINQ and the other extension methods come from the runtime and work
 *   on any iterable.
 * - `out`/`ref` arguments arrive as an OutRef whose `value` the method sets.
 * - Generic methods (`Body.As<JObject>()`, `Variables.GetValueOrDefault<int>(...)`)
 *   are tagged with `generic()` and receive the type arguments, as C# spells
 *   them (`"JObject"`, `"int"`, `"string[]"`), as their first parameter;
 *   untagged methods are called without them.
 * - Named arguments (`preserveContent: true`) are matched against the names
 *   listed with `params()`; without a list they are passed in source order
 *   after the positional ones.
 * - Explicit conversions: a C# cast `(string)x`, `(int)x`, `(bool?)x` … on a
 *   host object that has an `op_Explicit(targetTypeName)` method calls it
 *   with the target type as C# spells it (`"string"`, `"int"`, `"bool?"`,
 *   `"DateTime"`) and uses its result — Newtonsoft's JToken conversions
 *   (`(string)body["name"]`) work this way. Likewise `==`/`!=` call a host
 *   object's `op_Equality(a, b)` when it has one; otherwise objects compare
 *   by reference.
 *
 * Values: string and char → string; bool → boolean; every numeric type →
 * number; byte[] → Uint8Array; null → null; arrays and List<T> → JS arrays.
 */

export const GENERIC: unique symbol = Symbol('apimgw.generic');
export const PARAMS: unique symbol = Symbol('apimgw.params');

type HostMethod = ((...args: never[]) => unknown) & { [GENERIC]?: true; [PARAMS]?: readonly string[] };

/** Marks a method as generic: it receives the C# type arguments (possibly empty) first. */
export function generic<F extends (typeArguments: readonly string[], ...args: never[]) => unknown>(method: F): F {
  (method as HostMethod)[GENERIC] = true;
  return method;
}

/** Declares a method's parameter names so named arguments land in the right position. */
export function params<F extends (...args: never[]) => unknown>(names: readonly string[], method: F): F {
  (method as HostMethod)[PARAMS] = names;
  return method;
}

export function isGeneric(method: unknown): boolean {
  return typeof method === 'function' && (method as HostMethod)[GENERIC] === true;
}

export function parameterNames(method: unknown): readonly string[] | undefined {
  return typeof method === 'function' ? (method as HostMethod)[PARAMS] : undefined;
}

/** An `out` or `ref` argument: the callee writes `value`, the expression reads it back into the variable. */
export class OutRef<T = unknown> {
  value: T | undefined;
  constructor(value?: T) {
    this.value = value;
  }
}

/** A C# exception thrown from host code (KeyNotFoundException, FormatException …); its message reaches context.LastError. */
export class DotNetException extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.name = type;
    this.type = type;
  }
}
