/** Numbers, booleans, chars: instance methods and the Int32/Double/Boolean/Char/Math/Random statics. */
import { OutRef, generic } from '../host.ts';
import { argumentNull, argumentOutOfRange, formatError } from './errors.ts';
import { DotNetException } from '../host.ts';
import { formatNumber, defaultNumber } from './format.ts';

type Fn = (...args: never[]) => unknown;

export const NUMBER_METHODS: Record<string, (...args: unknown[]) => unknown> = {
  ToString: (n, format) => (typeof format === 'string' ? formatNumber(n as number, format) : defaultNumber(n as number)),
  CompareTo: (n, other) => ((n as number) < (other as number) ? -1 : (n as number) > (other as number) ? 1 : 0),
  Equals: (n, other) => n === other,
  GetHashCode: (n) => (n as number) | 0,
};

export const BOOLEAN_METHODS: Record<string, (...args: unknown[]) => unknown> = {
  ToString: (b) => (b ? 'True' : 'False'),
  Equals: (b, other) => b === other,
  CompareTo: (b, other) => Number(b) - Number(other),
  GetHashCode: (b) => (b ? 1 : 0),
};

const LIMITS: Record<string, [number, number]> = {
  int: [-2147483648, 2147483647], long: [-9223372036854775808, 9223372036854775807], short: [-32768, 32767],
  byte: [0, 255], sbyte: [-128, 127], uint: [0, 4294967295], ulong: [0, 18446744073709551615], ushort: [0, 65535],
  double: [-Number.MAX_VALUE, Number.MAX_VALUE], float: [-3.4028234663852886e38, 3.4028234663852886e38],
  decimal: [-79228162514264337593543950335, 79228162514264337593543950335],
};

function parseNumber(type: string, text: unknown): number {
  if (text === null || text === undefined) throw argumentNull('s');
  const s = String(text).trim();
  const integral = !['double', 'float', 'decimal'].includes(type);
  const pattern = integral ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  const normalized = integral ? s : s.replace(/,/g, '');
  if (!pattern.test(normalized)) throw formatError(`The input string '${String(text)}' was not in a correct format.`);
  const value = Number(normalized);
  const [min, max] = LIMITS[type]!;
  if (value < min || value > max) throw new DotNetException('OverflowException', `Value was either too large or too small for ${type}.`);
  return value;
}

export function numberStatics(type: string): object {
  const [min, max] = LIMITS[type]!;
  return {
    MaxValue: max,
    MinValue: min,
    Parse: (text: unknown) => parseNumber(type, text),
    TryParse: (text: unknown, ...rest: unknown[]) => {
      const out = rest[rest.length - 1] as OutRef;
      try {
        out.value = parseNumber(type, text);
        return true;
      } catch {
        out.value = 0;
        return false;
      }
    },
    ...(['double', 'float'].includes(type) ? { NaN: NaN, PositiveInfinity: Infinity, NegativeInfinity: -Infinity, Epsilon: type === 'double' ? 5e-324 : 1.401298e-45, IsNaN: Number.isNaN, IsInfinity: (v: number) => !Number.isFinite(v) && !Number.isNaN(v) } : {}),
  };
}

function parseBoolean(text: unknown): boolean {
  const s = String(text ?? '').trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw formatError(`String '${String(text)}' was not recognized as a valid Boolean.`);
}

export const BooleanStatics = {
  TrueString: 'True',
  FalseString: 'False',
  Parse: parseBoolean,
  TryParse: (text: unknown, out: OutRef) => {
    try {
      out.value = parseBoolean(text);
      return true;
    } catch {
      out.value = false;
      return false;
    }
  },
};

export const CharStatics = {
  IsDigit: (c: string) => /^\d$/.test(c),
  IsLetter: (c: string) => /^\p{L}$/u.test(c),
  IsLetterOrDigit: (c: string) => /^[\p{L}\d]$/u.test(c),
  IsWhiteSpace: (c: string) => /^\s$/.test(c),
  IsUpper: (c: string) => c !== c.toLowerCase(),
  IsLower: (c: string) => c !== c.toUpperCase(),
  IsPunctuation: (c: string) => /^\p{P}$/u.test(c),
  ToUpper: (c: string) => c.toUpperCase(),
  ToLower: (c: string) => c.toLowerCase(),
  ToUpperInvariant: (c: string) => c.toUpperCase(),
  ToLowerInvariant: (c: string) => c.toLowerCase(),
  Parse: (s: string) => {
    if (typeof s !== 'string' || s.length !== 1) throw formatError('String must be exactly one character long.');
    return s;
  },
  MinValue: '\0',
  MaxValue: '\uffff',
};

/** Math.Round with .NET's default banker's rounding (MidpointRounding.ToEven). */
function round(value: number, a?: unknown, b?: unknown): number {
  const digits = typeof a === 'number' ? a : 0;
  const mode = typeof a === 'string' ? a : typeof b === 'string' ? b : 'ToEven';
  const factor = 10 ** digits;
  const scaled = value * factor;
  let rounded: number;
  if (mode === 'AwayFromZero') rounded = Math.sign(scaled) * Math.round(Math.abs(scaled));
  else if (mode === 'ToZero') rounded = Math.trunc(scaled);
  else {
    const floor = Math.floor(scaled);
    const diff = scaled - floor;
    rounded = Math.abs(diff - 0.5) < 1e-9 ? (floor % 2 === 0 ? floor : floor + 1) : Math.round(scaled);
  }
  return rounded / factor;
}

export const MidpointRounding = { ToEven: 'ToEven', AwayFromZero: 'AwayFromZero', ToZero: 'ToZero' };

export const MathStatics: Record<string, unknown> = {
  PI: Math.PI,
  E: Math.E,
  Abs: Math.abs, Max: Math.max, Min: Math.min, Floor: Math.floor, Ceiling: Math.ceil, Sqrt: Math.sqrt, Pow: Math.pow,
  Exp: Math.exp, Log: (x: number, b?: number) => (b === undefined ? Math.log(x) : Math.log(x) / Math.log(b)), Log10: Math.log10,
  Sin: Math.sin, Cos: Math.cos, Tan: Math.tan, Atan: Math.atan, Atan2: Math.atan2, Truncate: Math.trunc, Sign: Math.sign,
  Round: round,
  Clamp: (v: number, min: number, max: number) => Math.min(Math.max(v, min), max),
};

/** System.Random: seeded instances are deterministic (mulberry32), unseeded ones use Math.random. */
export class Random {
  private next: () => number;
  constructor(seed?: number) {
    if (seed === undefined) this.next = Math.random;
    else {
      let state = seed | 0;
      this.next = () => {
        state = (state + 0x6d2b79f5) | 0;
        let t = Math.imul(state ^ (state >>> 15), 1 | state);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    }
  }
  Next(a?: number, b?: number): number {
    const [min, max] = b === undefined ? [0, a ?? 2147483647] : [a!, b];
    if (max < min) throw argumentOutOfRange('minValue');
    return min + Math.floor(this.next() * (max - min));
  }
  NextDouble(): number {
    return this.next();
  }
  NextBytes(buffer: Uint8Array): void {
    for (let i = 0; i < buffer.length; i++) buffer[i] = Math.floor(this.next() * 256);
  }
}

export const NullableStatics = {
  GetValueOrDefault: generic((_t: readonly string[], v: unknown, d: unknown) => v ?? d ?? null) as Fn,
};
