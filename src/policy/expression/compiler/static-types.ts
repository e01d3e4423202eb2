/**
 * Compile-time knowledge of value types, just enough for C# arithmetic:
 * integer division and `%` truncate only when both operands are integral, and
 * `+` concatenates when either side is a string.
 */

/** A C# type name as spelled in a declaration (`int`, `string`, `DateTime`), or null when unknown. */
export type StaticType = string | null;

const ALIASES: Record<string, string> = {
  Int32: 'int', Int64: 'long', Int16: 'short', Byte: 'byte', SByte: 'sbyte', UInt32: 'uint', UInt64: 'ulong',
  UInt16: 'ushort', Double: 'double', Single: 'float', Decimal: 'decimal', String: 'string', Boolean: 'bool',
  Char: 'char', Object: 'object',
};

const INTEGRAL = new Set(['int', 'long', 'short', 'byte', 'sbyte', 'uint', 'ulong', 'ushort']);
const FLOATING = new Set(['double', 'float', 'decimal']);

/** The type's simple name with C# aliases applied: `System.Int32` → `int`, `Newtonsoft.Json.Linq.JObject` → `JObject`. */
export function normalizeTypeName(name: string): string {
  const simple = name.slice(name.lastIndexOf('.') + 1);
  return ALIASES[simple] ?? simple;
}

export function isIntegral(type: StaticType): boolean {
  return type !== null && INTEGRAL.has(type);
}

export function isFloating(type: StaticType): boolean {
  return type !== null && FLOATING.has(type);
}

export function isNumeric(type: StaticType): boolean {
  return isIntegral(type) || isFloating(type);
}

/** The type of `a op b` for arithmetic on two numeric types (C# binary numeric promotion). */
export function promote(a: StaticType, b: StaticType): StaticType {
  if (!isNumeric(a) || !isNumeric(b)) return null;
  for (const t of ['decimal', 'double', 'float', 'ulong', 'long', 'uint']) if (a === t || b === t) return t;
  return 'int';
}

const INT_MEMBERS = new Set([
  'Length', 'Count', 'Year', 'Month', 'Day', 'Hour', 'Minute', 'Second', 'Millisecond', 'DayOfYear', 'Days', 'Hours',
  'Minutes', 'Seconds', 'Milliseconds', 'StatusCode', 'Port', 'Index',
]);
const DOUBLE_MEMBERS = new Set(['TotalDays', 'TotalHours', 'TotalMinutes', 'TotalSeconds', 'TotalMilliseconds']);

export function memberType(name: string): StaticType {
  if (INT_MEMBERS.has(name)) return 'int';
  if (DOUBLE_MEMBERS.has(name)) return 'double';
  if (name === 'Ticks') return 'long';
  return null;
}

const STRING_RESULT = new Set([
  'ToString', 'Substring', 'ToUpper', 'ToLower', 'ToUpperInvariant', 'ToLowerInvariant', 'Trim', 'TrimStart', 'TrimEnd',
  'Replace', 'PadLeft', 'PadRight', 'Insert', 'Remove', 'Normalize', 'Format', 'Join', 'Concat', 'ToBase64String',
  'EscapeDataString', 'UnescapeDataString', 'UrlEncode', 'UrlDecode', 'HtmlEncode', 'HtmlDecode', 'SerializeObject',
]);
const INT_RESULT = new Set(['IndexOf', 'LastIndexOf', 'IndexOfAny', 'CompareTo', 'Compare', 'CompareOrdinal', 'GetHashCode', 'ToInt32', 'Next', 'Sign', 'Read', 'Peek']);
const BOOL_RESULT = new Set([
  'Contains', 'StartsWith', 'EndsWith', 'Equals', 'IsNullOrEmpty', 'IsNullOrWhiteSpace', 'ContainsKey', 'ContainsValue',
  'TryParse', 'IsMatch', 'Any', 'All', 'SequenceEqual', 'TryGetValue', 'IsDigit', 'IsLetter', 'IsLetterOrDigit',
  'IsWhiteSpace', 'IsUpper', 'IsLower', 'ToBoolean', 'Remove',
]);

/** Static result type of calling `name` on a receiver of type `receiver` (a type name for static calls). */
export function callType(receiver: StaticType, name: string, argTypes: readonly StaticType[]): StaticType {
  if (name === 'Parse' && receiver !== null && (isNumeric(receiver) || receiver === 'bool')) return receiver;
  if (name === 'ToInt64') return 'long';
  if (name === 'ToDouble') return 'double';
  if (name === 'ToDecimal') return 'decimal';
  if (receiver === 'Math') {
    if (['Abs', 'Max', 'Min'].includes(name)) return argTypes.reduce<StaticType>((t, a) => promote(t, a), argTypes[0] ?? null);
    return name === 'Sign' ? 'int' : 'double';
  }
  if (name === 'Count' || name === 'Sum' && argTypes.length === 0) return name === 'Count' ? 'int' : null;
  if (name === 'Remove' && receiver === 'string') return 'string';
  if (STRING_RESULT.has(name) && (receiver === 'string' || name === 'ToString' || receiver === 'String' || receiver === 'Convert' || receiver === 'Uri' || receiver === 'WebUtility')) return 'string';
  if (name === 'Split' && receiver === 'string') return 'string[]';
  if (INT_RESULT.has(name)) return 'int';
  if (BOOL_RESULT.has(name) && name !== 'Remove') return 'bool';
  return null;
}
