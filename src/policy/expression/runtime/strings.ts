/** System.String: ToString conversion, instance methods and String statics. */
import { DotNetException } from '../host.ts';
import { EnumValue, enumType } from './enums.ts';
import { argumentNull, argumentOutOfRange, nullReference } from './errors.ts';
import { compositeFormat, defaultNumber, formatNumber, align } from './format.ts';

/** C# `ToString()` of any runtime value; null gives "" as string concatenation does. */
export function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
      return defaultNumber(value);
    case 'boolean':
      return value ? 'True' : 'False';
    case 'object': {
      const toString = (value as { ToString?: unknown }).ToString;
      if (typeof toString === 'function') return String(toString.call(value));
      if (value instanceof Error) return `${(value as DotNetException).type ?? 'System.Exception'}: ${value.message}`;
      if (value instanceof Uint8Array) return 'System.Byte[]';
      if (Array.isArray(value)) return 'System.Object[]';
      return 'System.Object';
    }
    default:
      return 'System.Delegate';
  }
}

/** `{value,alignment:format}` in interpolated strings and String.Format. */
export function formatValue(value: unknown, alignment: string | null, format: string | null): string {
  return align(formatOne(value, format), alignment);
}

export function formatOne(value: unknown, format: string | null): string {
  if (format === null || value === null || value === undefined) return str(value);
  if (typeof value === 'number') return formatNumber(value, format);
  const toString = (value as { ToString?: unknown }).ToString;
  if (typeof value === 'object' && typeof toString === 'function') return String(toString.call(value, format));
  return str(value);
}

function ignoreCase(comparison: unknown): boolean {
  return comparison === true || (comparison instanceof EnumValue && comparison.name.endsWith('IgnoreCase'));
}

function fold(s: string, comparison: unknown): string {
  return ignoreCase(comparison) ? s.toUpperCase() : s;
}

function stringArg(value: unknown, name: string): string {
  if (value === null || value === undefined) throw argumentNull(name);
  return String(value);
}

function trimChars(chars: unknown[]): Set<string> | null {
  const list = chars.length === 1 && Array.isArray(chars[0]) ? (chars[0] as string[]) : (chars as string[]);
  return list.length ? new Set(list) : null;
}

const WHITESPACE = /\s/;

function trimStart(s: string, set: Set<string> | null): string {
  let i = 0;
  while (i < s.length && (set ? set.has(s[i]!) : WHITESPACE.test(s[i]!))) i++;
  return s.slice(i);
}

function trimEnd(s: string, set: Set<string> | null): string {
  let i = s.length;
  while (i > 0 && (set ? set.has(s[i - 1]!) : WHITESPACE.test(s[i - 1]!))) i--;
  return s.slice(0, i);
}

export const StringSplitOptions = { None: 0, RemoveEmptyEntries: 1, TrimEntries: 2 } as const;

function split(s: string, args: unknown[]): string[] {
  let separators: string[];
  let options = 0;
  let count = Infinity;
  const [first, second, third] = args;
  if (first === undefined) separators = [];
  else if (Array.isArray(first)) separators = first as string[];
  else if (first === null) separators = [];
  else separators = [String(first)];
  if (typeof second === 'number' && typeof third === 'number') {
    count = second;
    options = third;
  } else if (typeof second === 'number') {
    // Split(char[], int count) is rare next to Split(separators, StringSplitOptions) (values 0–3)
    if (second > 3) count = second;
    else options = second;
  }
  separators = separators.filter((x) => x !== '');
  let parts: string[];
  if (separators.length === 0) parts = s.split(/\s/);
  else {
    parts = [];
    let start = 0;
    let i = 0;
    while (i <= s.length - 1) {
      const sep = separators.find((x) => s.startsWith(x, i));
      if (sep !== undefined && parts.length < count - 1) {
        parts.push(s.slice(start, i));
        i += sep.length;
        start = i;
      } else i++;
    }
    parts.push(s.slice(start));
  }
  if (options & 2) parts = parts.map((p) => p.trim());
  if (options & 1) parts = parts.filter((p) => p !== '');
  return parts;
}

function checkRange(s: string, start: number, length: number): void {
  if (start < 0 || start > s.length) throw argumentOutOfRange('startIndex');
  if (length < 0 || start + length > s.length) throw argumentOutOfRange('length');
}

type StringMethod = (s: string, ...args: never[]) => unknown;

export const STRING_METHODS: Record<string, StringMethod> = {
  Substring: (s, start: number, length?: number) => {
    checkRange(s, start, length ?? s.length - start);
    return length === undefined ? s.slice(start) : s.slice(start, start + length);
  },
  IndexOf: (s, value: string, a?: unknown, b?: unknown) => {
    const comparison = a instanceof EnumValue ? a : b;
    const from = typeof a === 'number' ? a : 0;
    if (from < 0 || from > s.length) throw argumentOutOfRange('startIndex');
    return fold(s, comparison).indexOf(fold(stringArg(value, 'value'), comparison), from);
  },
  LastIndexOf: (s, value: string, a?: unknown) => {
    if (a instanceof EnumValue) return fold(s, a).lastIndexOf(fold(stringArg(value, 'value'), a));
    return typeof a === 'number' ? s.lastIndexOf(value, a) : s.lastIndexOf(stringArg(value, 'value'));
  },
  IndexOfAny: (s, chars: string[]) => {
    for (let i = 0; i < s.length; i++) if (chars.includes(s[i]!)) return i;
    return -1;
  },
  Contains: (s, value: string, comparison?: number) => fold(s, comparison).includes(fold(stringArg(value, 'value'), comparison)),
  StartsWith: (s, value: string, comparison?: unknown) => fold(s, comparison).startsWith(fold(stringArg(value, 'value'), comparison)),
  EndsWith: (s, value: string, comparison?: unknown) => fold(s, comparison).endsWith(fold(stringArg(value, 'value'), comparison)),
  ToUpper: (s) => s.toUpperCase(),
  ToLower: (s) => s.toLowerCase(),
  ToUpperInvariant: (s) => s.toUpperCase(),
  ToLowerInvariant: (s) => s.toLowerCase(),
  Trim: (s, ...chars: unknown[]) => trimEnd(trimStart(s, trimChars(chars)), trimChars(chars)),
  TrimStart: (s, ...chars: unknown[]) => trimStart(s, trimChars(chars)),
  TrimEnd: (s, ...chars: unknown[]) => trimEnd(s, trimChars(chars)),
  Split: (s, ...args: unknown[]) => split(s, args.length === 0 ? [] : args.every((a) => typeof a === 'string' && a.length === 1) && args.length > 1 ? [args] : args),
  Replace: (s, from: string, to: string | null) => {
    if (stringArg(from, 'oldValue') === '') throw new DotNetException('ArgumentException', "String cannot be of zero length. (Parameter 'oldValue')");
    return s.split(from).join(to ?? '');
  },
  PadLeft: (s, width: number, c = ' ') => s.padStart(width, c),
  PadRight: (s, width: number, c = ' ') => s.padEnd(width, c),
  Insert: (s, index: number, value: string) => {
    checkRange(s, index, 0);
    return s.slice(0, index) + value + s.slice(index);
  },
  Remove: (s, start: number, count?: number) => {
    checkRange(s, start, count ?? s.length - start);
    return count === undefined ? s.slice(0, start) : s.slice(0, start) + s.slice(start + count);
  },
  Equals: (s, other: unknown, comparison?: number) => typeof other === 'string' && fold(s, comparison) === fold(other, comparison),
  CompareTo: (s, other: unknown) => (other == null ? 1 : compareStrings(s, String(other), 0)),
  ToCharArray: (s) => [...s],
  ToString: (s) => s,
  GetHashCode: (s) => hashString(s),
  Normalize: (s) => s.normalize('NFC'),
  IsNormalized: (s) => s === s.normalize('NFC'),
  Clone: (s) => s,
  GetType: () => ({ Name: 'String', FullName: 'System.String', ToString: () => 'System.String' }),
};

function hashString(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

function compareStrings(a: string, b: string, comparison: unknown): number {
  const x = fold(a, comparison);
  const y = fold(b, comparison);
  if (comparison instanceof EnumValue && comparison.name.startsWith('Ordinal')) return x < y ? -1 : x > y ? 1 : 0;
  const c = x.localeCompare(y, 'en');
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

export const StringComparison = enumType('StringComparison', [
  'CurrentCulture', 'CurrentCultureIgnoreCase', 'InvariantCulture', 'InvariantCultureIgnoreCase', 'Ordinal', 'OrdinalIgnoreCase',
]);

function joinValues(values: unknown[]): unknown[] {
  if (values.length === 1 && values[0] != null && typeof values[0] === 'object' && Symbol.iterator in (values[0] as object) && !(values[0] instanceof Uint8Array)) {
    return [...(values[0] as Iterable<unknown>)];
  }
  return values;
}

export const StringStatics = {
  Empty: '',
  IsNullOrEmpty: (s: unknown) => s == null || s === '',
  IsNullOrWhiteSpace: (s: unknown) => s == null || String(s).trim() === '',
  Format: (format: string, ...args: unknown[]) => {
    const list = args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
    return compositeFormat(stringArg(format, 'format'), list, formatOne);
  },
  Join: (separator: unknown, ...values: unknown[]) => joinValues(values).map(str).join(str(separator)),
  Concat: (...values: unknown[]) => joinValues(values).map(str).join(''),
  Compare: (a: unknown, b: unknown, c?: unknown) => {
    if (a == null || b == null) return a == null ? (b == null ? 0 : -1) : 1;
    const comparison = c;
    return compareStrings(String(a), String(b), comparison);
  },
  CompareOrdinal: (a: unknown, b: unknown) => compareStrings(str(a), str(b), StringComparison.Ordinal),
  Equals: (a: unknown, b: unknown, comparison?: number) => (a == null || b == null ? a == b : fold(String(a), comparison) === fold(String(b), comparison)),
  Copy: (s: string) => s,
  IsInterned: (s: string) => s,
};

export function stringLength(s: unknown): number {
  if (s === null || s === undefined) throw nullReference();
  return (s as string).length;
}

export function charAt(s: unknown, i: number): string {
  if (s === null || s === undefined) throw nullReference();
  if (typeof s !== 'string') throw new DotNetException('RuntimeBinderException', 'Cannot apply indexing');
  if (i < 0 || i >= s.length) throw new DotNetException('IndexOutOfRangeException', 'Index was outside the bounds of the array.');
  return s[i]!;
}
