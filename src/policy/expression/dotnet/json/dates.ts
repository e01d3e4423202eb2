/**
 * Dates inside JSON tokens. Newtonsoft reads ISO 8601 strings into DateTime
 * values (DateParseHandling.DateTime) and writes them back in round-trip
 * form, so `{"at":"2024-01-02T03:04:05Z"}` survives Parse → ToString while
 * its token type is Date. Offsets are converted to the machine's local time,
 * which on APIM gateways is UTC.
 */

import { DateTime, DateTimeKind } from '../../runtime/datetime.ts';

export type DateKind = 'Utc' | 'Local' | 'Unspecified';

/** A DateTime as JSON tokens hold it: whole milliseconds since the epoch, the remaining 100 ns ticks, and the kind. */
export class JsonDate {
  readonly epochMilliseconds: number;
  /** 0–9999 ticks of 100 ns beyond epochMilliseconds. */
  readonly subMillisecondTicks: number;
  readonly kind: DateKind;
  constructor(epochMilliseconds: number, subMillisecondTicks: number, kind: DateKind) {
    this.epochMilliseconds = epochMilliseconds;
    this.subMillisecondTicks = subMillisecondTicks;
    this.kind = kind;
  }

  equals(other: JsonDate): boolean {
    return this.epochMilliseconds === other.epochMilliseconds && this.subMillisecondTicks === other.subMillisecondTicks;
  }

  /** Newtonsoft's IsoDateFormat with RoundtripKind: `2024-01-02T03:04:05.123Z`, trailing fraction zeros trimmed. */
  toIsoString(): string {
    const base = `${this.datePart()}T${this.timePart()}${this.fraction()}`;
    if (this.kind === 'Utc') return `${base}Z`;
    return this.kind === 'Local' ? `${base}+00:00` : base;
  }

  /** `Convert.ToString(dateTime, CultureInfo.InvariantCulture)`: `01/02/2024 03:04:05`. */
  toInvariantString(): string {
    const d = new Date(this.epochMilliseconds);
    const pad = (n: number): string => String(n).padStart(2, '0');
    return `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${String(d.getUTCFullYear()).padStart(4, '0')} ${this.timePart()}`;
  }

  private datePart(): string {
    const d = new Date(this.epochMilliseconds);
    const pad = (n: number): string => String(n).padStart(2, '0');
    return `${String(d.getUTCFullYear()).padStart(4, '0')}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  }

  private timePart(): string {
    const d = new Date(this.epochMilliseconds);
    const pad = (n: number): string => String(n).padStart(2, '0');
    return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  }

  private fraction(): string {
    const ticks = (((this.epochMilliseconds % 1000) + 1000) % 1000) * 10_000 + this.subMillisecondTicks;
    return ticks === 0 ? '' : `.${String(ticks).padStart(7, '0').replace(/0+$/, '')}`;
  }
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/** The date Newtonsoft reads from a JSON string, or null when the string stays a string. */
export function parseJsonDate(text: string): JsonDate | null {
  // JsonTextReader only tries strings of this shape before running the ISO parser.
  if (text.length < 19 || text.length > 40 || text[10] !== 'T' || !/\d/.test(text[0]!)) return null;
  const match = ISO_DATE.exec(text);
  if (!match) return null;
  const [, year, month, day, hour, minute, second, fractionDigits, zone] = match as unknown as string[];
  const [y, mo, d, h, mi, s] = [year, month, day, hour, minute, second].map(Number) as [number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  const ticks = fractionDigits ? Math.round(Number(`0.${fractionDigits}`) * 10_000_000) : 0;
  let epoch = Date.UTC(y, mo - 1, d, h, mi, s);
  if (y < 100) epoch = new Date(epoch).setUTCFullYear(y);
  epoch += Math.floor(ticks / 10_000);
  let kind: DateKind = 'Unspecified';
  if (zone === 'Z') kind = 'Utc';
  else if (zone) {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0');
    epoch -= sign * offsetMinutes * 60_000;
    kind = 'Local';
  }
  return new JsonDate(epoch, ticks % 10_000, kind);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(2000, month, 0)).getUTCDate() - (month === 2 && !isLeap(year) ? 1 : 0);
}

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** DateTime.Ticks of the Unix epoch. */
const EPOCH_TICKS = 621_355_968_000_000_000n;
const KINDS: Readonly<Record<string, DateKind>> = { Utc: 'Utc', Local: 'Local', Unspecified: 'Unspecified', 0: 'Unspecified', 1: 'Utc', 2: 'Local' };

/** A .NET DateTime (anything with DateTime's `Ticks` and `Kind`) as a JsonDate; null for anything else. */
export function fromDotNetDateTime(value: object): JsonDate | null {
  const { Ticks: ticks, Kind: kind } = value as { Ticks?: unknown; Kind?: unknown };
  const kindName = typeof kind === 'object' && kind !== null && 'name' in kind ? String(kind.name) : String(kind);
  if ((typeof ticks !== 'number' && typeof ticks !== 'bigint') || !(kindName in KINDS)) return null;
  const sinceEpoch = BigInt(Math.round(Number(ticks))) - EPOCH_TICKS;
  const milliseconds = sinceEpoch / 10_000n - (sinceEpoch % 10_000n < 0n ? 1n : 0n);
  return new JsonDate(Number(milliseconds), Number(sinceEpoch - milliseconds * 10_000n), KINDS[kindName]!);
}

/** The runtime's DateTime for a JSON date (millisecond precision, as the runtime keeps it). */
export function toDotNetDateTime(date: JsonDate): DateTime {
  return DateTime.of(date.epochMilliseconds, DateTimeKind[date.kind]);
}
