/** DateTime, TimeSpan and DateTimeOffset: millisecond precision, UTC or local kind, .NET format strings. */
import { DotNetException, OutRef } from '../host.ts';
import { argumentOutOfRange, formatError } from './errors.ts';
import { enumType } from './enums.ts';

const EPOCH_TICKS = 621355968000000000;
const MS_PER_DAY = 86400000;
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const DateTimeKind = enumType('DateTimeKind', ['Unspecified', 'Utc', 'Local']);
export const DayOfWeek = enumType('DayOfWeek', DAYS);
type Kind = (typeof DateTimeKind)[keyof typeof DateTimeKind];

const pad = (n: number, width = 2) => String(Math.trunc(Math.abs(n))).padStart(width, '0');

/** Formats wall-clock fields (`ms` is milliseconds of the wall clock as if UTC) with a .NET format string. */
function formatFields(ms: number, format: string, offsetMinutes: number | null, kind: Kind): string {
  const d = new Date(ms);
  const standard: Record<string, string> = {
    o: `yyyy-MM-dd'T'HH:mm:ss.fffffffK`, O: `yyyy-MM-dd'T'HH:mm:ss.fffffffK`, s: `yyyy-MM-dd'T'HH:mm:ss`,
    u: `yyyy-MM-dd HH:mm:ss'Z'`, d: 'M/d/yyyy', D: 'dddd, MMMM d, yyyy', t: 'h:mm tt', T: 'h:mm:ss tt',
    f: 'dddd, MMMM d, yyyy h:mm tt', F: 'dddd, MMMM d, yyyy h:mm:ss tt', g: 'M/d/yyyy h:mm tt', G: 'M/d/yyyy h:mm:ss tt',
    M: 'MMMM d', m: 'MMMM d', Y: 'MMMM yyyy', y: 'MMMM yyyy',
  };
  if (format === 'r' || format === 'R') {
    const utc = new Date(ms - (offsetMinutes ?? 0) * 60000);
    return utc.toUTCString().replace('GMT', 'GMT');
  }
  const pattern = format.length === 1 ? standard[format] : format;
  if (pattern === undefined) throw formatError('Input string was not in a correct format.');
  let out = '';
  for (let i = 0; i < pattern.length; ) {
    const c = pattern[i]!;
    let run = 1;
    while (pattern[i + run] === c) run++;
    if (c === "'" || c === '"') {
      const close = pattern.indexOf(c, i + 1);
      out += pattern.slice(i + 1, close === -1 ? pattern.length : close);
      i = close === -1 ? pattern.length : close + 1;
      continue;
    }
    if (c === '\\') {
      out += pattern[i + 1] ?? '';
      i += 2;
      continue;
    }
    i += run;
    switch (c) {
      case 'y': out += run === 2 ? pad(d.getUTCFullYear() % 100) : pad(d.getUTCFullYear(), run); break;
      case 'M': out += run >= 4 ? MONTHS[d.getUTCMonth()] : run === 3 ? MONTHS[d.getUTCMonth()]!.slice(0, 3) : pad(d.getUTCMonth() + 1, run); break;
      case 'd': out += run >= 4 ? DAYS[d.getUTCDay()] : run === 3 ? DAYS[d.getUTCDay()]!.slice(0, 3) : pad(d.getUTCDate(), run); break;
      case 'H': out += pad(d.getUTCHours(), run); break;
      case 'h': out += pad(d.getUTCHours() % 12 || 12, run); break;
      case 'm': out += pad(d.getUTCMinutes(), run); break;
      case 's': out += pad(d.getUTCSeconds(), run); break;
      case 'f': case 'F': {
        const digits = (pad(d.getUTCMilliseconds(), 3) + '0000').slice(0, run);
        out += c === 'F' ? digits.replace(/0+$/, '') : digits;
        break;
      }
      case 't': out += (d.getUTCHours() < 12 ? 'AM' : 'PM').slice(0, run === 1 ? 1 : 2); break;
      case 'K':
      case 'z': {
        if (offsetMinutes === null && c === 'K') {
          out += kind === DateTimeKind.Utc ? 'Z' : kind === DateTimeKind.Local ? '+00:00' : '';
          break;
        }
        const off = offsetMinutes ?? 0;
        const sign = off < 0 ? '-' : '+';
        out += run === 1 && c === 'z' ? `${sign}${Math.abs(Math.trunc(off / 60))}` : run === 2 ? `${sign}${pad(off / 60)}` : `${sign}${pad(off / 60)}:${pad(off % 60)}`;
        break;
      }
      default: out += c.repeat(run);
    }
  }
  return out;
}

function parseDate(text: unknown): { ms: number; kind: Kind; offset: number | null } {
  const s = String(text ?? '').trim();
  const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (iso) {
    const [, y, mo, da, h = '0', mi = '0', se = '0', frac = '0', zone] = iso;
    const ms = Date.UTC(+y!, +mo! - 1, +da!, +h, +mi, +se, Math.round(Number(`0.${frac}`) * 1000));
    if (!zone) return { ms, kind: DateTimeKind.Unspecified, offset: null };
    const offset = zone.toUpperCase() === 'Z' ? 0 : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
    return { ms: ms - offset * 60000, kind: DateTimeKind.Utc, offset };
  }
  const parsed = Date.parse(/GMT|UTC|Z$|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s} UTC`);
  if (Number.isNaN(parsed)) throw formatError(`String '${s}' was not recognized as a valid DateTime.`);
  return { ms: parsed, kind: /GMT|UTC|Z$/.test(s) ? DateTimeKind.Utc : DateTimeKind.Unspecified, offset: null };
}

export class TimeSpan {
  /** Whole milliseconds (fractions allowed). */
  readonly ms: number;
  readonly valueSemantics = true;
  constructor(...args: number[]) {
    if (args.length === 1) this.ms = args[0]! / 10000;
    else if (args.length === 3) this.ms = ((args[0]! * 60 + args[1]!) * 60 + args[2]!) * 1000;
    else if (args.length >= 4) this.ms = (((args[0]! * 24 + args[1]!) * 60 + args[2]!) * 60 + args[3]!) * 1000 + (args[4] ?? 0);
    else this.ms = 0;
  }
  static fromMs(ms: number): TimeSpan {
    return new TimeSpan(ms * 10000);
  }
  get Ticks() { return Math.round(this.ms * 10000); }
  get Days() { return Math.trunc(this.ms / MS_PER_DAY); }
  get Hours() { return Math.trunc(this.ms / 3600000) % 24; }
  get Minutes() { return Math.trunc(this.ms / 60000) % 60; }
  get Seconds() { return Math.trunc(this.ms / 1000) % 60; }
  get Milliseconds() { return Math.trunc(this.ms) % 1000; }
  get TotalDays() { return this.ms / MS_PER_DAY; }
  get TotalHours() { return this.ms / 3600000; }
  get TotalMinutes() { return this.ms / 60000; }
  get TotalSeconds() { return this.ms / 1000; }
  get TotalMilliseconds() { return this.ms; }
  Add(other: TimeSpan) { return TimeSpan.fromMs(this.ms + other.ms); }
  Subtract(other: TimeSpan) { return TimeSpan.fromMs(this.ms - other.ms); }
  Negate() { return TimeSpan.fromMs(-this.ms); }
  Duration() { return TimeSpan.fromMs(Math.abs(this.ms)); }
  CompareTo(other: TimeSpan) { return Math.sign(this.ms - other.ms); }
  Equals(other: unknown) { return other instanceof TimeSpan && other.ms === this.ms; }
  GetHashCode() { return this.ms | 0; }
  ToString(format?: string) {
    const sign = this.ms < 0 ? '-' : '';
    const abs = TimeSpan.fromMs(Math.abs(this.ms));
    const frac = Math.round((Math.abs(this.ms) % 1000) * 10000);
    if (format === 'c' || format === undefined || format === 't' || format === 'T') {
      return `${sign}${abs.Days ? `${abs.Days}.` : ''}${pad(abs.Hours)}:${pad(abs.Minutes)}:${pad(abs.Seconds)}${frac ? `.${String(frac).padStart(7, '0')}` : ''}`;
    }
    return format.replace(/\\(.)/g, '$1').replace(/dd?|hh|mm|ss|fff/g, (t) => {
      switch (t) {
        case 'd': return String(abs.Days);
        case 'dd': return pad(abs.Days);
        case 'hh': return pad(abs.Hours);
        case 'mm': return pad(abs.Minutes);
        case 'ss': return pad(abs.Seconds);
        default: return pad(abs.Milliseconds, 3);
      }
    });
  }
}

const span = (factor: number) => (value: number) => TimeSpan.fromMs(value * factor);

export const TimeSpanStatics = {
  Zero: TimeSpan.fromMs(0),
  MaxValue: TimeSpan.fromMs(922337203685477),
  MinValue: TimeSpan.fromMs(-922337203685477),
  TicksPerMillisecond: 10000, TicksPerSecond: 10000000, TicksPerMinute: 600000000, TicksPerHour: 36000000000, TicksPerDay: 864000000000,
  FromDays: span(MS_PER_DAY), FromHours: span(3600000), FromMinutes: span(60000), FromSeconds: span(1000), FromMilliseconds: span(1),
  FromTicks: (ticks: number) => TimeSpan.fromMs(ticks / 10000),
  Parse: (text: string) => {
    const m = /^\s*(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?\s*$/.exec(String(text ?? ''));
    if (!m) throw formatError(`String '${String(text)}' was not recognized as a valid TimeSpan.`);
    const ms = (((+(m[2] ?? 0) * 24 + +m[3]!) * 60 + +m[4]!) * 60 + +(m[5] ?? 0)) * 1000 + Number(`0.${m[6] ?? 0}`) * 1000;
    return TimeSpan.fromMs(m[1] ? -ms : ms);
  },
};

export class DateTime {
  /** Wall-clock milliseconds since 1970-01-01 (UTC for Utc kind). */
  readonly ms: number;
  readonly kind: Kind;
  readonly valueSemantics = true;
  constructor(...args: unknown[]) {
    const nums = args.filter((a): a is number => typeof a === 'number');
    const kindArg = args.find((a) => a !== undefined && typeof a === 'object');
    this.kind = (kindArg as Kind) ?? DateTimeKind.Unspecified;
    if (nums.length === 1) this.ms = (nums[0]! - EPOCH_TICKS) / 10000;
    else if (nums.length >= 3) {
      const [y, mo, d, h = 0, mi = 0, s = 0, msPart = 0] = nums as [number, number, number, number?, number?, number?, number?];
      if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo)) throw new DotNetException('ArgumentOutOfRangeException', 'Year, Month, and Day parameters describe an un-representable DateTime.');
      const date = new Date(0);
      date.setUTCFullYear(y, mo - 1, d);
      date.setUTCHours(h, mi, s, msPart);
      this.ms = date.getTime();
    } else this.ms = -EPOCH_TICKS / 10000;
  }
  static of(ms: number, kind: Kind): DateTime {
    return new DateTime(ms * 10000 + EPOCH_TICKS, kind);
  }
  private get date() { return new Date(this.ms); }
  get Ticks() { return this.ms * 10000 + EPOCH_TICKS; }
  get Kind() { return this.kind; }
  get Year() { return this.date.getUTCFullYear(); }
  get Month() { return this.date.getUTCMonth() + 1; }
  get Day() { return this.date.getUTCDate(); }
  get Hour() { return this.date.getUTCHours(); }
  get Minute() { return this.date.getUTCMinutes(); }
  get Second() { return this.date.getUTCSeconds(); }
  get Millisecond() { return this.date.getUTCMilliseconds(); }
  get DayOfWeek() { return Object.values(DayOfWeek)[this.date.getUTCDay()]; }
  get DayOfYear() { return Math.floor((this.ms - Date.UTC(this.Year, 0, 1)) / MS_PER_DAY) + 1; }
  get Date() { return DateTime.of(this.ms - mod(this.ms, MS_PER_DAY), this.kind); }
  get TimeOfDay() { return TimeSpan.fromMs(mod(this.ms, MS_PER_DAY)); }
  Add(value: TimeSpan) { return DateTime.of(this.ms + value.ms, this.kind); }
  AddMilliseconds(n: number) { return DateTime.of(this.ms + n, this.kind); }
  AddSeconds(n: number) { return DateTime.of(this.ms + n * 1000, this.kind); }
  AddMinutes(n: number) { return DateTime.of(this.ms + n * 60000, this.kind); }
  AddHours(n: number) { return DateTime.of(this.ms + n * 3600000, this.kind); }
  AddDays(n: number) { return DateTime.of(this.ms + n * MS_PER_DAY, this.kind); }
  AddTicks(n: number) { return DateTime.of(this.ms + n / 10000, this.kind); }
  AddMonths(n: number) {
    const d = this.date;
    const total = d.getUTCFullYear() * 12 + d.getUTCMonth() + n;
    const year = Math.floor(total / 12);
    const month = mod(total, 12) + 1;
    const day = Math.min(d.getUTCDate(), daysInMonth(year, month));
    const next = new Date(this.ms);
    next.setUTCFullYear(year, month - 1, day);
    return DateTime.of(next.getTime(), this.kind);
  }
  AddYears(n: number) { return this.AddMonths(n * 12); }
  Subtract(other: DateTime | TimeSpan): DateTime | TimeSpan {
    if (other instanceof TimeSpan) return DateTime.of(this.ms - other.ms, this.kind);
    return TimeSpan.fromMs(this.ms - other.ms);
  }
  ToUniversalTime() { return DateTime.of(this.ms, DateTimeKind.Utc); }
  ToLocalTime() { return DateTime.of(this.ms, DateTimeKind.Local); }
  IsDaylightSavingTime() { return false; }
  CompareTo(other: DateTime) { return Math.sign(this.ms - other.ms); }
  Equals(other: unknown) { return other instanceof DateTime && other.ms === this.ms; }
  GetHashCode() { return this.ms | 0; }
  ToString(format?: string) { return formatFields(this.ms, format ?? 'G', null, this.kind); }
  ToShortDateString() { return formatFields(this.ms, 'd', null, this.kind); }
  ToLongDateString() { return formatFields(this.ms, 'D', null, this.kind); }
  ToShortTimeString() { return formatFields(this.ms, 't', null, this.kind); }
  ToFileTimeUtc() { return this.Ticks - 504911232000000000; }
}

function mod(a: number, b: number) {
  return ((a % b) + b) % b;
}

function daysInMonth(year: number, month: number): number {
  if (month < 1 || month > 12) throw argumentOutOfRange('month');
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function tryParse<T>(parse: () => T, out: OutRef, fallback: T): boolean {
  try {
    out.value = parse();
    return true;
  } catch {
    out.value = fallback;
    return false;
  }
}

const MIN = DateTime.of(-EPOCH_TICKS / 10000, DateTimeKind.Unspecified);

export const DateTimeStatics = {
  get UtcNow() { return DateTime.of(Date.now(), DateTimeKind.Utc); },
  // the gateway runs in UTC, as APIM's hosts do
  get Now() { return DateTime.of(Date.now(), DateTimeKind.Local); },
  get Today() { return DateTime.of(Date.now() - mod(Date.now(), MS_PER_DAY), DateTimeKind.Local); },
  MinValue: MIN,
  MaxValue: DateTime.of(253402300799999, DateTimeKind.Unspecified),
  UnixEpoch: DateTime.of(0, DateTimeKind.Utc),
  Parse: (text: unknown) => {
    const p = parseDate(text);
    return DateTime.of(p.ms, p.kind === DateTimeKind.Utc ? DateTimeKind.Local : p.kind);
  },
  ParseExact: (text: unknown) => {
    const p = parseDate(text);
    return DateTime.of(p.ms, p.kind);
  },
  TryParse: (text: unknown, out: OutRef) => tryParse(() => DateTimeStatics.Parse(text), out, MIN),
  IsLeapYear: (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0,
  DaysInMonth: daysInMonth,
  SpecifyKind: (d: DateTime, kind: Kind) => DateTime.of(d.ms, kind),
  Compare: (a: DateTime, b: DateTime) => a.CompareTo(b),
};

export class DateTimeOffset {
  /** UTC milliseconds and the offset in minutes. */
  readonly ms: number;
  readonly offset: number;
  readonly valueSemantics = true;
  constructor(value: unknown, offset?: TimeSpan) {
    if (value instanceof DateTime) {
      this.ms = value.ms;
      this.offset = offset ? offset.ms / 60000 : 0;
    } else {
      this.ms = typeof value === 'number' ? (value - EPOCH_TICKS) / 10000 : 0;
      this.offset = offset ? offset.ms / 60000 : 0;
    }
  }
  static of(ms: number, offset = 0): DateTimeOffset {
    const d = new DateTimeOffset(null) as { ms: number; offset: number };
    d.ms = ms;
    d.offset = offset;
    return d as DateTimeOffset;
  }
  get UtcDateTime() { return DateTime.of(this.ms, DateTimeKind.Utc); }
  get DateTime() { return DateTime.of(this.ms + this.offset * 60000, DateTimeKind.Unspecified); }
  get LocalDateTime() { return DateTime.of(this.ms, DateTimeKind.Local); }
  get Offset() { return TimeSpan.fromMs(this.offset * 60000); }
  get Ticks() { return this.DateTime.Ticks; }
  get UtcTicks() { return this.UtcDateTime.Ticks; }
  get Year() { return this.DateTime.Year; }
  get Month() { return this.DateTime.Month; }
  get Day() { return this.DateTime.Day; }
  get Hour() { return this.DateTime.Hour; }
  get Minute() { return this.DateTime.Minute; }
  get Second() { return this.DateTime.Second; }
  Add(t: TimeSpan) { return DateTimeOffset.of(this.ms + t.ms, this.offset); }
  AddSeconds(n: number) { return DateTimeOffset.of(this.ms + n * 1000, this.offset); }
  AddMinutes(n: number) { return DateTimeOffset.of(this.ms + n * 60000, this.offset); }
  AddHours(n: number) { return DateTimeOffset.of(this.ms + n * 3600000, this.offset); }
  AddDays(n: number) { return DateTimeOffset.of(this.ms + n * MS_PER_DAY, this.offset); }
  AddMilliseconds(n: number) { return DateTimeOffset.of(this.ms + n, this.offset); }
  Subtract(other: DateTimeOffset | TimeSpan) {
    return other instanceof TimeSpan ? DateTimeOffset.of(this.ms - other.ms, this.offset) : TimeSpan.fromMs(this.ms - other.ms);
  }
  ToUnixTimeSeconds() { return Math.floor(this.ms / 1000); }
  ToUnixTimeMilliseconds() { return Math.floor(this.ms); }
  ToUniversalTime() { return DateTimeOffset.of(this.ms, 0); }
  CompareTo(other: DateTimeOffset) { return Math.sign(this.ms - other.ms); }
  Equals(other: unknown) { return other instanceof DateTimeOffset && other.ms === this.ms; }
  ToString(format?: string) {
    return formatFields(this.ms + this.offset * 60000, format ?? 'M/d/yyyy h:mm:ss tt zzz', this.offset, DateTimeKind.Unspecified);
  }
}

export const DateTimeOffsetStatics = {
  get UtcNow() { return DateTimeOffset.of(Date.now(), 0); },
  get Now() { return DateTimeOffset.of(Date.now(), 0); },
  FromUnixTimeSeconds: (s: number) => DateTimeOffset.of(s * 1000, 0),
  FromUnixTimeMilliseconds: (ms: number) => DateTimeOffset.of(ms, 0),
  Parse: (text: unknown) => {
    const p = parseDate(text);
    return DateTimeOffset.of(p.ms, p.offset ?? 0);
  },
  TryParse: (text: unknown, out: OutRef) => tryParse(() => DateTimeOffsetStatics.Parse(text), out, DateTimeOffset.of(0)),
  MinValue: DateTimeOffset.of(-EPOCH_TICKS / 10000),
  MaxValue: DateTimeOffset.of(253402300799999),
  UnixEpoch: DateTimeOffset.of(0),
};
