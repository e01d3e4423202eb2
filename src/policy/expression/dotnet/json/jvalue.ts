import { DotNetException } from '../../host.ts';
import { formatBoolean, formatDouble, formatNumber } from '../format.ts';
import { DateTimeStatics } from '../../runtime/datetime.ts';
import { JsonDate, fromDotNetDateTime, toDotNetDateTime } from './dates.ts';
import { JToken, NUMERIC_CLR_NAMES, clrName, type FormattingName, type JTokenTypeName } from './jtoken.ts';

/** What a JValue holds in this runtime: .NET primitives in their JS form (host.ts), dates as JsonDate. */
export type JsonPrimitive = string | number | boolean | null | JsonDate | Uint8Array;

/** Newtonsoft.Json.Linq.JValue: a string, number, boolean, date, bytes or null. */
export class JValue extends JToken {
  #value: JsonPrimitive;
  #type: JTokenTypeName;

  /** `new JValue(x)`; the token type follows the value (integral numbers are Integer, others Float). */
  constructor(value: unknown, type?: JTokenTypeName) {
    super();
    if (value instanceof JValue) {
      this.#value = value.#value;
      this.#type = value.#type;
      return;
    }
    this.#value = toPrimitive(value);
    this.#type = type ?? typeOf(this.#value);
  }

  static CreateNull(): JValue {
    return new JValue(null);
  }

  static CreateString(value: string | null): JValue {
    return new JValue(value, 'String');
  }

  static CreateUndefined(): JValue {
    return new JValue(null, 'Undefined');
  }

  static CreateComment(value: string | null): JValue {
    return new JValue(value, 'Comment');
  }

  get Type(): JTokenTypeName {
    return this.#type;
  }

  /** The .NET value: dates as the runtime's DateTime. */
  get Value(): unknown {
    return this.#value instanceof JsonDate ? toDotNetDateTime(this.#value) : this.#value;
  }

  /** The stored value, dates as JsonDate (what writers and comparisons use). */
  get raw(): JsonPrimitive {
    return this.#value;
  }

  set Value(value: unknown) {
    this.#value = toPrimitive(value);
    this.#type = typeOf(this.#value);
  }

  override DeepClone(): JValue {
    return new JValue(this.#value, this.#type);
  }

  /** Without arguments the value's own text (`abc`, `5`, `True`); with a Formatting, JSON. */
  override ToString(formatting?: FormattingName | { name: string }): string {
    if (formatting !== undefined) return super.ToString(formatting);
    const value = this.#value;
    if (value === null) return '';
    if (value instanceof Uint8Array) return 'System.Byte[]';
    return textOf(value, this.#type);
  }

  override Equals(other: unknown): boolean {
    return other instanceof JValue && valuesEqual(this, other);
  }

  override deepEquals(other: JToken): boolean {
    return other instanceof JValue && valuesEqual(this, other);
  }

  override op_Explicit(typeName: string): unknown {
    const nullable = typeName.endsWith('?');
    const target = nullable ? typeName.slice(0, -1) : typeName;
    const value = this.#value;
    if (target === 'string') return this.toStringValue();
    if (value === null && CONVERTIBLE[target]) {
      if (nullable) return null;
      throw new DotNetException('ArgumentException', `Can not convert Null to ${clrName(target)}.`);
    }
    if (!CONVERTIBLE[target]?.includes(this.#type) || value === null) return super.op_Explicit(typeName);
    if (target === 'bool') return toBoolean(value);
    if (NUMERIC_CLR_NAMES[target]) return toNumber(value, target);
    if (target === 'byte[]') return value instanceof Uint8Array ? value : new Uint8Array(Buffer.from(String(value), 'base64'));
    if (target === 'char') return toChar(value);
    return value instanceof JsonDate ? toDotNetDateTime(value) : DateTimeStatics.Parse(String(value));
  }

  private toStringValue(): string | null {
    if (!CONVERTIBLE.string!.includes(this.#type)) return super.op_Explicit('string') as string;
    const value = this.#value;
    if (value === null) return null;
    if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
    return textOf(value, this.#type);
  }
}

/** Newtonsoft.Json.Linq.JRaw: JSON text written out verbatim. */
export class JRaw extends JValue {
  constructor(rawJson: unknown) {
    super(rawJson instanceof JToken ? rawJson.ToString('None') : rawJson, 'Raw');
  }

  override DeepClone(): JRaw {
    return new JRaw(this.raw);
  }
}

const NUMBER_SOURCES: readonly JTokenTypeName[] = ['Integer', 'Float', 'String', 'Comment', 'Raw', 'Boolean'];
/** Token types each explicit conversion accepts (Newtonsoft's ValidateToken lists). */
const CONVERTIBLE: Readonly<Record<string, readonly JTokenTypeName[]>> = {
  string: ['String', 'Integer', 'Float', 'Boolean', 'Date', 'Guid', 'Uri', 'TimeSpan', 'Bytes', 'Null', 'Undefined', 'Comment', 'Raw'],
  bool: NUMBER_SOURCES,
  ...Object.fromEntries(Object.keys(NUMERIC_CLR_NAMES).map((name) => [name, NUMBER_SOURCES])),
  char: ['String', 'Integer', 'Float', 'Comment', 'Raw'],
  'byte[]': ['Bytes', 'String', 'Null', 'Undefined'],
  DateTime: ['Date', 'String', 'Comment', 'Raw'],
};

function toPrimitive(value: unknown): JsonPrimitive {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (value instanceof JsonDate || value instanceof Uint8Array) return value;
  if (value instanceof Date) return new JsonDate(value.getTime(), 0, 'Utc');
  const date = fromDotNetDateTime(value);
  if (date) return date;
  throw new DotNetException('ArgumentException', `Could not determine JSON object type for type ${value.constructor?.name ?? 'Object'}.`);
}

function typeOf(value: JsonPrimitive): JTokenTypeName {
  if (value === null) return 'Null';
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'Integer' : 'Float';
  return value instanceof JsonDate ? 'Date' : 'Bytes';
}

function textOf(value: Exclude<JsonPrimitive, null | Uint8Array>, type: JTokenTypeName): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return formatBoolean(value);
  if (typeof value === 'number') return type === 'Float' ? formatDouble(value) : formatNumber(value);
  return value.toInvariantString();
}

function valuesEqual(a: JValue, b: JValue): boolean {
  const x = a.raw;
  const y = b.raw;
  if (x instanceof JsonDate && y instanceof JsonDate) return x.equals(y);
  if (x instanceof Uint8Array && y instanceof Uint8Array) return Buffer.from(x).equals(y);
  if (typeof x === 'number' && typeof y === 'number') return x === y;
  return x === y && (a.Type === b.Type || x === null);
}

const INTEGER_RANGES: Readonly<Record<string, readonly [number, number]>> = {
  int: [-2147483648, 2147483647], long: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], short: [-32768, 32767],
  byte: [0, 255], sbyte: [-128, 127], uint: [0, 4294967295], ulong: [0, Number.MAX_SAFE_INTEGER], ushort: [0, 65535],
};

function toNumber(value: Exclude<JsonPrimitive, null>, target: string): number {
  let number: number;
  if (typeof value === 'boolean') number = value ? 1 : 0;
  else if (typeof value === 'number') number = value;
  else if (typeof value === 'string') number = parseNumber(value, target in INTEGER_RANGES);
  else throw new DotNetException('InvalidCastException', 'Invalid cast.');
  const range = INTEGER_RANGES[target];
  if (!range) return target === 'float' ? Math.fround(number) : number;
  const rounded = roundHalfToEven(number);
  if (rounded < range[0] || rounded > range[1]) {
    throw new DotNetException('OverflowException', `Value was either too large or too small for ${/^[aeiou]/i.test(clrName(target)) ? 'an' : 'a'} ${clrName(target)}.`);
  }
  return rounded;
}

const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;
const FLOAT_TEXT = /^\s*[+-]?(?:\d[\d,]*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

function parseNumber(text: string, integral: boolean): number {
  if (integral ? INTEGER_TEXT.test(text) : FLOAT_TEXT.test(text)) return Number(text.replace(/,/g, '').trim());
  throw new DotNetException('FormatException', `The input string '${text}' was not in a correct format.`);
}

/** Convert.ToInt32(double) rounds half to even. */
function roundHalfToEven(value: number): number {
  const floor = Math.floor(value);
  const diff = value - floor;
  if (diff !== 0.5) return Math.round(value);
  return floor % 2 === 0 ? floor : floor + 1;
}

function toBoolean(value: Exclude<JsonPrimitive, null>): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  const text = String(value).trim().toLowerCase();
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new DotNetException('FormatException', `String '${String(value)}' was not recognized as a valid Boolean.`);
}

function toChar(value: Exclude<JsonPrimitive, null>): string {
  if (typeof value === 'number') return String.fromCharCode(value);
  const text = String(value);
  if (text.length !== 1) throw new DotNetException('FormatException', 'String must be exactly one character long.');
  return text;
}
