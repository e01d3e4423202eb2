/** C# operator semantics over runtime values whose static type was unknown at compile time. */
import { DotNetException } from '../host.ts';
import { dotNetTypeName, invalidCast, nullReference } from './errors.ts';
import { DateTime, TimeSpan } from './datetime.ts';
import { EnumValue } from './enums.ts';
import { str } from './strings.ts';

type Host = Record<string, unknown>;

/** A user-defined operator: an instance method, or a static one on the operand's class (XNamespace.op_Addition). */
function hostOperator(a: unknown, b: unknown, name: string): ((x: unknown, y: unknown) => unknown) | null {
  for (const side of [a, b]) {
    if (!side || typeof side !== 'object') continue;
    if (typeof (side as Host)[name] === 'function') {
      return (x, y) => ((side as Host)[name] as (x: unknown, y: unknown) => unknown).call(side, x, y);
    }
    const statics = (side as object).constructor as unknown as Host | undefined;
    if (statics && typeof statics[name] === 'function') return (x, y) => (statics[name] as (x: unknown, y: unknown) => unknown).call(statics, x, y);
  }
  return null;
}

/** A string converted to the host type of `other` by that type's `op_Implicit` (XName, XNamespace), or undefined. */
function implicitFromString(value: string, other: object): unknown {
  const statics = other.constructor as unknown as Host | undefined;
  const convert = statics?.op_Implicit;
  return typeof convert === 'function' && statics !== (Object as unknown) ? (convert as (s: string) => unknown).call(statics, value) : undefined;
}

export function concat(a: unknown, b: unknown): string {
  return str(a) + str(b);
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'string') return str(a) + str(b);
  if (typeof b === 'string') {
    const op = hostOperator(a, null, 'op_Addition');
    return op ? op(a, b) : str(a) + b;
  }
  if (a == null || b == null) return null;
  if (a instanceof DateTime && b instanceof TimeSpan) return a.Add(b);
  if (a instanceof TimeSpan && b instanceof TimeSpan) return a.Add(b);
  return binaryHost(a, b, 'op_Addition', '+');
}

export function subtract(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a == null || b == null) return null;
  if (a instanceof DateTime) return a.Subtract(b as DateTime | TimeSpan);
  if (a instanceof TimeSpan && b instanceof TimeSpan) return a.Subtract(b);
  return binaryHost(a, b, 'op_Subtraction', '-');
}

export function multiply(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a == null || b == null) return null;
  return binaryHost(a, b, 'op_Multiply', '*');
}

function binaryHost(a: unknown, b: unknown, name: string, symbol: string): unknown {
  const op = hostOperator(a, b, name);
  if (op) return op(a, b);
  throw new DotNetException('RuntimeBinderException', `Operator '${symbol}' cannot be applied to operands of type '${dotNetTypeName(a)}' and '${dotNetTypeName(b)}'`);
}

function numbers(a: unknown, b: unknown, symbol: string): [number, number] {
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw new DotNetException('RuntimeBinderException', `Operator '${symbol}' cannot be applied to operands of type '${dotNetTypeName(a)}' and '${dotNetTypeName(b)}'`);
  }
  return [a, b];
}

export function intDivide(a: number, b: number): number {
  if (b === 0) throw new DotNetException('DivideByZeroException', 'Attempted to divide by zero.');
  return Math.trunc(a / b);
}

/** Operands of unknown static type: integral values divide as C# ints (status codes, counts), others as doubles. */
export function divide(a: unknown, b: unknown): unknown {
  if (a == null || b == null) return null;
  const [x, y] = numbers(a, b, '/');
  return Number.isInteger(x) && Number.isInteger(y) ? intDivide(x, y) : x / y;
}

export function remainder(a: unknown, b: unknown): unknown {
  if (a == null || b == null) return null;
  const [x, y] = numbers(a, b, '%');
  if (y === 0 && Number.isInteger(x) && Number.isInteger(y)) throw new DotNetException('DivideByZeroException', 'Attempted to divide by zero.');
  return x % y;
}

export function negate(a: unknown): unknown {
  if (a == null) return null;
  if (a instanceof TimeSpan) return a.Negate();
  return -(a as number);
}

export function complement(a: unknown): number {
  return ~(a as number);
}

/** `==` for operands not both statically primitive: value equality for primitives and value types, op_Equality, else reference. */
export function equals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a == null || b == null) return a == null && b == null;
  // a runtime enum (EnumValue) and a dotnet/ enum (its name as a string) are the same member when the names match
  if (a instanceof EnumValue !== b instanceof EnumValue && (a instanceof EnumValue || typeof a === 'string') && (b instanceof EnumValue || typeof b === 'string')) {
    return str(a) === str(b);
  }
  if (typeof a === 'string' && typeof b === 'object') return implicitFromString(a, b) === b;
  if (typeof b === 'string' && typeof a === 'object') return implicitFromString(b, a) === a;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  const op = hostOperator(a, b, 'op_Equality');
  if (op) return op(a, b) === true;
  if ((a instanceof DateTime && b instanceof DateTime) || (a instanceof TimeSpan && b instanceof TimeSpan)) return (a as DateTime).CompareTo(b as DateTime) === 0;
  const equalsMethod = (a as Host).Equals;
  if (typeof equalsMethod === 'function' && (a as Host).constructor !== Object && isValueLike(a)) return equalsMethod.call(a, b) === true;
  return false;
}

/** Types with value semantics in .NET (Guid, KeyValuePair, Tuple) mark themselves so `==` compares values. */
function isValueLike(a: object): boolean {
  return (a as { valueSemantics?: boolean }).valueSemantics === true;
}

export function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a && typeof a === 'object' && typeof (a as Host).CompareTo === 'function') return ((a as Host).CompareTo as (o: unknown) => number).call(a, b);
  throw new DotNetException('ArgumentException', `Cannot compare '${dotNetTypeName(a)}' with '${dotNetTypeName(b)}'.`);
}

/** Relational operators; like C# lifted operators, any null operand makes them false. */
export function compareOp(op: string, a: unknown, b: unknown): boolean {
  if (a == null || b == null) return false;
  if (typeof a === 'string' || typeof b === 'string') {
    throw new DotNetException('RuntimeBinderException', `Operator '${op}' cannot be applied to operands of type '${dotNetTypeName(a)}' and '${dotNetTypeName(b)}'`);
  }
  const c = compare(a, b);
  return op === '<' ? c < 0 : op === '>' ? c > 0 : op === '<=' ? c <= 0 : c >= 0;
}

export function bitwise(op: string, a: unknown, b: unknown): unknown {
  if (typeof a === 'boolean' && typeof b === 'boolean') return op === '&' ? a && b : op === '|' ? a || b : a !== b;
  const [x, y] = numbers(a, b, op);
  if (Math.abs(x) <= 0x7fffffff && Math.abs(y) <= 0x7fffffff) return op === '&' ? x & y : op === '|' ? x | y : x ^ y;
  const bx = BigInt(Math.trunc(x));
  const by = BigInt(Math.trunc(y));
  return Number(op === '&' ? bx & by : op === '|' ? bx | by : bx ^ by);
}

/** Shifts; 64-bit operands (long ticks) shift through BigInt since JS shifts are 32-bit. */
export function shift(op: string, a: unknown, n: unknown, type: string | null): number {
  const [x, count] = numbers(a, n, op);
  const wide = type === 'long' || type === 'ulong' || Math.abs(x) > 0x7fffffff;
  if (!wide) return op === '<<' ? x << count : x >> count;
  const big = BigInt.asIntN(64, BigInt(Math.trunc(x)));
  const shifted = op === '<<' ? BigInt.asIntN(64, big << BigInt(count & 63)) : big >> BigInt(count & 63);
  return Number(shifted);
}

const INTEGER_RANGES: Record<string, [bigint, bigint]> = {
  byte: [0n, 0xffn], sbyte: [-0x80n, 0x7fn], short: [-0x8000n, 0x7fffn], ushort: [0n, 0xffffn],
  int: [-0x80000000n, 0x7fffffffn], uint: [0n, 0xffffffffn], long: [-(2n ** 63n), 2n ** 63n - 1n], ulong: [0n, 2n ** 64n - 1n],
};

/** Explicit numeric conversion: truncates, then wraps like unchecked C#. */
export function convertInteger(value: number, type: string): number {
  const t = Math.trunc(value);
  if (!Number.isFinite(t)) return type === 'long' || type === 'int' ? Number(INTEGER_RANGES[type]![0]) : 0;
  const [min, max] = INTEGER_RANGES[type]!;
  if (t >= Number(min) && t <= Number(max)) return t;
  const bits = BigInt((max - min + 1n).toString(2).length - 1);
  const wrapped = min < 0n ? BigInt.asIntN(Number(bits), BigInt(t)) : BigInt.asUintN(Number(bits), BigInt(t));
  return Number(wrapped);
}

const INTEGRAL = new Set(Object.keys(INTEGER_RANGES));
const VALUE_TYPES = new Set([...INTEGRAL, 'double', 'float', 'decimal', 'bool', 'char', 'DateTime', 'TimeSpan', 'Guid', 'DateTimeOffset']);

/**
 * `(T)value`. `conversion` is true when the operand is statically numeric or
 * char (a numeric conversion); otherwise it is an unboxing or reference cast.
 */
export function cast(value: unknown, type: string, nullable: boolean, conversion: boolean, test: ((v: unknown) => boolean) | null): unknown {
  if (value == null) {
    if (nullable || !VALUE_TYPES.has(type)) return null;
    throw nullReference();
  }
  if (value instanceof EnumValue && (INTEGRAL.has(type) || type === 'double')) return value.value;
  if (typeof value === 'object' && typeof (value as Host).op_Explicit === 'function') {
    return ((value as Host).op_Explicit as (t: string) => unknown).call(value, nullable ? `${type}?` : type);
  }
  if (INTEGRAL.has(type)) {
    if (typeof value === 'number') return convertInteger(value, type);
    if (typeof value === 'string' && conversion && value.length === 1) return value.charCodeAt(0);
    throw invalidCast(value, type);
  }
  switch (type) {
    case 'double':
    case 'float':
    case 'decimal':
      if (typeof value === 'number') return type === 'float' ? Math.fround(value) : value;
      if (typeof value === 'string' && conversion && value.length === 1) return value.charCodeAt(0);
      throw invalidCast(value, type);
    case 'char':
      if (typeof value === 'number' && conversion) return String.fromCharCode(value & 0xffff);
      if (typeof value === 'string' && value.length === 1) return value;
      throw invalidCast(value, type);
    case 'string':
      if (typeof value === 'string') return value;
      throw invalidCast(value, 'System.String');
    case 'bool':
      if (typeof value === 'boolean') return value;
      throw invalidCast(value, 'System.Boolean');
    case 'object':
      return value;
    default:
      if (test === null || test(value)) return value;
      throw invalidCast(value, type);
  }
}
