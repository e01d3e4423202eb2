/**
 * Member access, calls and indexers on runtime values: the security boundary
 * of policy expressions. Host objects expose only PascalCase members and the
 * get_Item/set_Item indexers; strings, numbers, arrays and the runtime's
 * extension tables are handled here.
 */
import { DOTNET_EXTENSIONS } from '../dotnet/index.ts';
import { DotNetException, OutRef, isGeneric, parameterNames } from '../host.ts';
import { DotNetType, typeInfo, typeOf } from './registry.ts';
import { EnumValue } from './enums.ts';
import { AnonymousObject, anonymous } from './anonymous.ts';
import { dotNetTypeName, indexOutOfRange, missingMember, nullReference } from './errors.ts';
import { STRING_METHODS, charAt, formatValue, str, stringLength } from './strings.ts';
import { NUMBER_METHODS, BOOLEAN_METHODS } from './numbers.ts';
import { LIST_METHODS } from './collections.ts';
import { LINQ } from './linq.ts';
import * as operators from './operators.ts';

type Host = Record<string, unknown>;
type Fn = (...args: unknown[]) => unknown;

/** The only names reachable on host objects. */
function isHostName(name: string): boolean {
  const first = name.charCodeAt(0);
  return (first >= 65 && first <= 90) || name === 'get_Item' || name === 'set_Item';
}

function isIterable(value: unknown): value is Iterable<unknown> {
  return value !== null && typeof value === 'object' && typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function';
}

/** Nullable<T> is unwrapped at run time: a value-type value answers `.Value` with itself and `.HasValue` with true. */
function isValueTypeValue(target: unknown): boolean {
  return typeof target === 'number' || typeof target === 'boolean' || target instanceof EnumValue || (typeof target === 'object' && (target as { valueSemantics?: boolean }).valueSemantics === true);
}

export function member(target: unknown, name: string): unknown {
  if (target === null || target === undefined) throw nullReference();
  if (typeof target === 'string') {
    if (name === 'Length') return target.length;
    throw missingMember(target, name);
  }
  if ((name === 'Value' || name === 'HasValue') && isValueTypeValue(target) && !(typeof target === 'object' && name in target)) return name === 'Value' ? target : true;
  if (typeof target !== 'object') throw missingMember(target, name);
  if (Array.isArray(target) || target instanceof Uint8Array) {
    if (name === 'Length' || name === 'Count') return target.length;
    if (name === 'LongLength') return target.length;
    if (name === 'Rank') return 1;
    throw missingMember(target, name);
  }
  if (target instanceof DotNetType) return staticMember(target, name);
  if (target instanceof AnonymousObject) {
    if (Object.hasOwn(target, name)) return (target as unknown as Host)[name];
    throw missingMember(target, name);
  }
  if (target instanceof Error) return exceptionMember(target, name);
  if (isHostName(name) && name in target) {
    const value = (target as Host)[name];
    if (typeof value === 'function') return (value as Fn).bind(target);
    return value ?? null;
  }
  throw missingMember(target, name);
}

function staticMember(type: DotNetType, name: string): unknown {
  if (isHostName(name) && name in type.statics) {
    const value = (type.statics as Host)[name];
    return typeof value === 'function' ? (value as Fn).bind(type.statics) : value ?? null;
  }
  throw new DotNetException('RuntimeBinderException', `'${type.name}' does not contain a definition for '${name}'`);
}

function exceptionMember(error: Error, name: string): unknown {
  switch (name) {
    case 'Message':
      return error.message;
    case 'InnerException':
      return null;
    case 'StackTrace':
      return '';
    case 'Source':
      return 'apimgw';
    default:
      if (isHostName(name) && name in error) return (error as unknown as Host)[name] ?? null;
      throw missingMember(error, name);
  }
}

export function setMember(target: unknown, name: string, value: unknown): unknown {
  if (target === null || target === undefined) throw nullReference();
  if (typeof target !== 'object' || target instanceof DotNetType || !isHostName(name) || Array.isArray(target)) {
    throw new DotNetException('RuntimeBinderException', `Property or indexer '${dotNetTypeName(target)}.${name}' cannot be assigned to`);
  }
  try {
    (target as Host)[name] = value;
  } catch {
    throw new DotNetException('RuntimeBinderException', `Property or indexer '${name}' cannot be assigned to -- it is read only`);
  }
  return value;
}

export function index(target: unknown, key: unknown): unknown {
  if (target === null || target === undefined) throw nullReference();
  if (typeof target === 'string') return charAt(target, key as number);
  if (Array.isArray(target) || target instanceof Uint8Array) {
    const i = key as number;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= target.length) throw indexOutOfRange();
    return target[i];
  }
  if (typeof target === 'object') {
    const getter = (target as Host).get_Item;
    if (typeof getter === 'function') return (getter as Fn).call(target, key) ?? null;
  }
  throw new DotNetException('RuntimeBinderException', `Cannot apply indexing with [] to an expression of type '${dotNetTypeName(target)}'`);
}

export function indexN(target: unknown, keys: unknown[]): unknown {
  if (target === null || target === undefined) throw nullReference();
  const getter = (target as Host).get_Item;
  if (typeof getter === 'function') return (getter as Fn).apply(target, keys) ?? null;
  throw new DotNetException('RuntimeBinderException', `Cannot apply indexing with [] to an expression of type '${dotNetTypeName(target)}'`);
}

export function setIndex(target: unknown, key: unknown, value: unknown): unknown {
  if (target === null || target === undefined) throw nullReference();
  if (Array.isArray(target) || target instanceof Uint8Array) {
    const i = key as number;
    if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= target.length) throw indexOutOfRange();
    target[i] = value as number;
    return value;
  }
  if (typeof target === 'object') {
    const setter = (target as Host).set_Item;
    if (typeof setter === 'function') {
      (setter as Fn).call(target, key, value);
      return value;
    }
  }
  throw new DotNetException('RuntimeBinderException', `Property or indexer '${dotNetTypeName(target)}.this[]' cannot be assigned to`);
}

/** Places named arguments where the method's declared parameter names say; otherwise in source order. */
function arrange(method: unknown, args: unknown[], named: readonly string[] | null): unknown[] {
  if (!named) return args;
  const names = parameterNames(method);
  if (!names) return args;
  const positional = args.slice(0, args.length - named.length);
  const out = [...positional];
  named.forEach((name, i) => {
    const at = names.indexOf(name);
    if (at === -1) throw new DotNetException('RuntimeBinderException', `The best overload does not have a parameter named '${name}'`);
    while (out.length < at) out.push(undefined);
    out[at] = args[positional.length + i];
  });
  return out;
}

function invokeHost(self: unknown, method: Fn, typeArgs: readonly string[], args: unknown[], named: readonly string[] | null): unknown {
  const arranged = arrange(method, args, named);
  const result = isGeneric(method) ? method.call(self, typeArgs, ...arranged) : method.apply(self, arranged);
  return result === undefined ? null : result;
}

/** Runtime-provided methods take the receiver first (extension style). */
function invokeRuntime(method: Fn, target: unknown, typeArgs: readonly string[], args: unknown[]): unknown {
  const result = isGeneric(method) ? method(typeArgs, target, ...args) : method(target, ...args);
  return result === undefined ? null : result;
}

const UNIVERSAL: Record<string, Fn> = {
  ToString: (target: unknown, format?: unknown) => (format === undefined ? str(target) : formatValue(target, null, String(format))),
  Equals: (target: unknown, other: unknown) => operators.equals(target, other),
  GetHashCode: () => 0,
  GetValueOrDefault: (target: unknown) => target,
};

export function call(target: unknown, name: string, typeArgs: readonly string[], args: unknown[], named: readonly string[] | null): unknown {
  if (target === null || target === undefined) throw nullReference();
  let own: Fn | undefined;
  switch (typeof target) {
    case 'string':
      own = Object.hasOwn(STRING_METHODS, name) ? STRING_METHODS[name] as Fn : undefined;
      break;
    case 'number':
      own = Object.hasOwn(NUMBER_METHODS, name) ? NUMBER_METHODS[name] : undefined;
      break;
    case 'boolean':
      own = Object.hasOwn(BOOLEAN_METHODS, name) ? BOOLEAN_METHODS[name] : undefined;
      break;
    case 'function':
      if (name === 'Invoke') return invoke(target, args);
      break;
    default:
      if (target instanceof DotNetType) return callStatic(target, name, typeArgs, args, named);
      if (Array.isArray(target) || target instanceof Uint8Array) own = Object.hasOwn(LIST_METHODS, name) ? LIST_METHODS[name] : undefined;
      else if (isHostName(name)) {
        const method = (target as Host)[name];
        if (typeof method === 'function') return invokeHost(target, method as Fn, typeArgs, args, named);
      }
  }
  // The target has no method of that name (it may have a property, as JValue has `Value`): extension methods
  // come next, before the runtime's list methods, so `elements.Remove()` is XML's and `list.Remove(x)` the list's.
  const extensions = Object.hasOwn(DOTNET_EXTENSIONS, name) ? DOTNET_EXTENSIONS[name]! : [];
  for (const extension of extensions) {
    if (extension.appliesTo(target, args)) return extension.invoke(target, typeArgs, args) ?? null;
  }
  if (own) return invokeRuntime(own, target, typeArgs, args);
  if (Object.hasOwn(LINQ, name) && (isIterable(target) || typeof target === 'string')) return invokeRuntime(LINQ[name]!, target, typeArgs, args);
  if (Object.hasOwn(UNIVERSAL, name)) return UNIVERSAL[name]!(target, ...args);
  throw missingMember(target, name);
}

function callStatic(type: DotNetType, name: string, typeArgs: readonly string[], args: unknown[], named: readonly string[] | null): unknown {
  const method = isHostName(name) ? (type.statics as Host)[name] : undefined;
  if (typeof method !== 'function') {
    throw new DotNetException('RuntimeBinderException', `'${type.name}' does not contain a definition for '${name}'`);
  }
  return invokeHost(type.statics, method as Fn, typeArgs, args, named);
}

/** Calls a delegate (a lambda stored in a local, `f.Invoke(x)`). */
export function invoke(target: unknown, args: unknown[]): unknown {
  if (target === null || target === undefined) throw nullReference();
  if (typeof target !== 'function') throw new DotNetException('RuntimeBinderException', `'${dotNetTypeName(target)}' is not invocable`);
  return (target as Fn)(...args) ?? null;
}

export function construct(type: DotNetType, typeArgs: readonly string[], args: unknown[]): unknown {
  if (!type.create) throw new DotNetException('MissingMethodException', `Cannot create an instance of '${type.name}'`);
  return type.create(typeArgs, args);
}

export function iterate(value: unknown): Iterable<unknown> {
  if (value === null || value === undefined) throw nullReference();
  if (typeof value === 'string' || isIterable(value)) return value as Iterable<unknown>;
  throw new DotNetException('RuntimeBinderException', `foreach statement cannot operate on variables of type '${dotNetTypeName(value)}'`);
}

export function toException(error: unknown): DotNetException {
  if (error instanceof DotNetException) return error;
  if (error instanceof Error) {
    const wrapped = new DotNetException(error instanceof RangeError ? 'OverflowException' : 'Exception', error.message);
    return wrapped;
  }
  return new DotNetException('Exception', str(error));
}

const EXCEPTION_PARENTS: Record<string, string> = {
  ArgumentNullException: 'ArgumentException',
  ArgumentOutOfRangeException: 'ArgumentException',
  KeyNotFoundException: 'SystemException',
  FormatException: 'SystemException',
  UriFormatException: 'FormatException',
  JsonReaderException: 'JsonException',
};

export function catches(error: DotNetException, type: string): boolean {
  if (type === 'Exception') return true;
  for (let t: string | undefined = error.type; t; t = EXCEPTION_PARENTS[t]) if (t === type) return true;
  return type === 'SystemException' && error.type !== 'Exception';
}

export function throwValue(value: unknown): never {
  if (value === null || value === undefined) throw nullReference();
  throw value;
}

const TYPE_TESTS: Record<string, (v: unknown) => boolean> = {
  string: (v) => typeof v === 'string',
  char: (v) => typeof v === 'string' && v.length === 1,
  bool: (v) => typeof v === 'boolean',
  int: (v) => typeof v === 'number' && Number.isInteger(v),
  long: (v) => typeof v === 'number' && Number.isInteger(v),
  short: (v) => typeof v === 'number' && Number.isInteger(v),
  byte: (v) => typeof v === 'number' && Number.isInteger(v),
  double: (v) => typeof v === 'number',
  float: (v) => typeof v === 'number',
  decimal: (v) => typeof v === 'number',
  object: (v) => v !== null && v !== undefined,
  'byte[]': (v) => v instanceof Uint8Array,
  IEnumerable: (v) => typeof v === 'string' || isIterable(v),
};

/** The `is`/`as` test for a type name (built once per expression). */
export function typeTest(name: string, types: (name: string) => DotNetType): (v: unknown) => boolean {
  const base = name.replace(/\?$/, '');
  const known = TYPE_TESTS[base];
  if (known) return known;
  if (base.endsWith('[]')) return (v) => Array.isArray(v);
  const type = types(base);
  const test = type.test;
  return test ? (v) => v !== null && v !== undefined && test(v) : (v) => v !== null && v !== undefined;
}

export function as(value: unknown, test: (v: unknown) => boolean): unknown {
  return value !== null && value !== undefined && test(value) ? value : null;
}

export function newArray(type: string | null, items: unknown[]): unknown {
  return type === 'byte[]' ? Uint8Array.from(items as number[]) : items;
}

export function newSizedArray(type: string | null, size: number): unknown {
  if (size < 0) throw new DotNetException('OverflowException', 'Arithmetic operation resulted in an overflow.');
  if (type === 'byte[]' || type?.match(/^(int|long|short|double|float|decimal|sbyte|uint|ulong|ushort)\[\]$/)) {
    return type === 'byte[]' ? new Uint8Array(size) : new Array<number>(size).fill(0);
  }
  if (type === 'bool[]') return new Array<boolean>(size).fill(false);
  return new Array<unknown>(size).fill(null);
}

/** A user-defined implicit conversion into `type` (`XNamespace ns = "urn:x"`); values already of the type pass. */
export function implicit(value: unknown, type: DotNetType): unknown {
  if (value === null || value === undefined || (type.test !== null && type.test(value))) return value ?? null;
  return ((type.statics as Host).op_Implicit as Fn).call(type.statics, value);
}

export const RUNTIME = {
  ...operators,
  member, setMember, index, indexN, setIndex, call, invoke, construct, iterate, anonymous, toException, catches,
  throwValue, typeTest, as, newArray, newSizedArray, str, formatValue, charAt, stringLength, implicit, typeOf,
  OutRef,
  NO_TYPES: Object.freeze([]) as readonly string[],
  T: typeInfo,
};
