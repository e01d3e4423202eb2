/**
 * System.TimeZoneInfo over the ICU time-zone data Node carries (Intl).
 * Ids are IANA (`Europe/Berlin`) or the Windows ids .NET on Windows uses
 * (`W. Europe Standard Time`), mapped to their IANA zone. The gateway's local
 * zone is UTC, as on APIM's hosts.
 */
import { DotNetException } from '../host.ts';
import { DateTime, DateTimeKind, DateTimeOffset, TimeSpan } from './datetime.ts';

/** The common Windows zone ids (CLDR's windowsZones "001" territory). */
const WINDOWS_ZONES: Readonly<Record<string, string>> = {
  UTC: 'Etc/UTC', 'GMT Standard Time': 'Europe/London', 'Greenwich Standard Time': 'Atlantic/Reykjavik',
  'W. Europe Standard Time': 'Europe/Berlin', 'Romance Standard Time': 'Europe/Paris', 'Central Europe Standard Time': 'Europe/Budapest',
  'Central European Standard Time': 'Europe/Warsaw', 'E. Europe Standard Time': 'Europe/Chisinau', 'FLE Standard Time': 'Europe/Kiev',
  'GTB Standard Time': 'Europe/Bucharest', 'Russian Standard Time': 'Europe/Moscow', 'Turkey Standard Time': 'Europe/Istanbul',
  'Israel Standard Time': 'Asia/Jerusalem', 'South Africa Standard Time': 'Africa/Johannesburg', 'Egypt Standard Time': 'Africa/Cairo',
  'Arabian Standard Time': 'Asia/Dubai', 'Arab Standard Time': 'Asia/Riyadh', 'India Standard Time': 'Asia/Calcutta',
  'SE Asia Standard Time': 'Asia/Bangkok', 'Singapore Standard Time': 'Asia/Singapore', 'China Standard Time': 'Asia/Shanghai',
  'Tokyo Standard Time': 'Asia/Tokyo', 'Korea Standard Time': 'Asia/Seoul', 'AUS Eastern Standard Time': 'Australia/Sydney',
  'W. Australia Standard Time': 'Australia/Perth', 'New Zealand Standard Time': 'Pacific/Auckland',
  'Eastern Standard Time': 'America/New_York', 'Central Standard Time': 'America/Chicago', 'Mountain Standard Time': 'America/Denver',
  'US Mountain Standard Time': 'America/Phoenix', 'Pacific Standard Time': 'America/Los_Angeles', 'Alaskan Standard Time': 'America/Anchorage',
  'Hawaiian Standard Time': 'Pacific/Honolulu', 'Atlantic Standard Time': 'America/Halifax', 'E. South America Standard Time': 'America/Sao_Paulo',
  'Argentina Standard Time': 'America/Buenos_Aires', 'Central Standard Time (Mexico)': 'America/Mexico_City', 'SA Pacific Standard Time': 'America/Bogota',
};

const OFFSET = /GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?/;

export class TimeZoneInfo {
  readonly Id: string;
  readonly #offsets: Intl.DateTimeFormat;
  readonly #names: Intl.DateTimeFormat;

  constructor(id: string, zone: string) {
    this.Id = id;
    this.#offsets = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' });
    this.#names = new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'long' });
  }

  /** Offset from UTC in minutes at a UTC instant. */
  offsetAt(utcMs: number): number {
    const text = this.#offsets.formatToParts(utcMs).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
    const [, sign, hours, minutes] = OFFSET.exec(text) ?? [];
    if (!sign) return 0;
    return (sign === '-' ? -1 : 1) * (Number(hours) * 60 + Number(minutes ?? 0));
  }

  /** The UTC instant of a wall-clock time in this zone (the earlier one when the clock repeats). */
  utcOf(wallMs: number): number {
    const first = wallMs - this.offsetAt(wallMs) * 60000;
    return wallMs - this.offsetAt(first) * 60000;
  }

  get BaseUtcOffset(): TimeSpan {
    const year = new Date().getUTCFullYear();
    return TimeSpan.fromMs(Math.min(this.offsetAt(Date.UTC(year, 0, 1)), this.offsetAt(Date.UTC(year, 6, 1))) * 60000);
  }

  get SupportsDaylightSavingTime(): boolean {
    const year = new Date().getUTCFullYear();
    return this.offsetAt(Date.UTC(year, 0, 1)) !== this.offsetAt(Date.UTC(year, 6, 1));
  }

  get StandardName(): string {
    return this.#nameAt(this.BaseUtcOffset.ms);
  }

  get DaylightName(): string {
    const year = new Date().getUTCFullYear();
    const january = Date.UTC(year, 0, 1);
    const july = Date.UTC(year, 6, 1);
    return this.#names.formatToParts(this.offsetAt(january) > this.offsetAt(july) ? january : july).find((p) => p.type === 'timeZoneName')?.value ?? this.Id;
  }

  /** Approximates .NET's display name: the base offset and the id (.NET lists cities). */
  get DisplayName(): string {
    const minutes = this.BaseUtcOffset.ms / 60000;
    if (minutes === 0 && this.Id === 'UTC') return '(UTC) Coordinated Universal Time';
    const sign = minutes < 0 ? '-' : '+';
    const abs = Math.abs(minutes);
    return `(UTC${sign}${String(Math.trunc(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}) ${this.Id}`;
  }

  #nameAt(offsetMs: number): string {
    const year = new Date().getUTCFullYear();
    const instant = [Date.UTC(year, 0, 1), Date.UTC(year, 6, 1)].find((t) => this.offsetAt(t) * 60000 === offsetMs) ?? Date.UTC(year, 0, 1);
    return this.#names.formatToParts(instant).find((p) => p.type === 'timeZoneName')?.value ?? this.Id;
  }

  GetUtcOffset(value: DateTime | DateTimeOffset): TimeSpan {
    return TimeSpan.fromMs(this.offsetAt(utcMsOf(value, this)) * 60000);
  }

  IsDaylightSavingTime(value: DateTime | DateTimeOffset): boolean {
    return this.GetUtcOffset(value).ms !== this.BaseUtcOffset.ms;
  }

  ToString(): string {
    return this.DisplayName;
  }
}

/** The UTC instant of a DateTime (Utc and Local kinds are UTC here; Unspecified is wall time in `zone`) or DateTimeOffset. */
function utcMsOf(value: DateTime | DateTimeOffset, zone: TimeZoneInfo): number {
  if (value instanceof DateTimeOffset) return value.ms;
  return value.Kind === DateTimeKind.Unspecified ? zone.utcOf(value.ms) : value.ms;
}

const zones = new Map<string, TimeZoneInfo>();
const UTC = new TimeZoneInfo('UTC', 'Etc/UTC');
zones.set('UTC', UTC);

function findZone(id: unknown): TimeZoneInfo {
  if (typeof id !== 'string') throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'id')");
  let zone = zones.get(id);
  if (!zone) {
    try {
      zone = new TimeZoneInfo(id, WINDOWS_ZONES[id] ?? id);
    } catch {
      throw new DotNetException('TimeZoneNotFoundException', `The time zone ID '${id}' was not found on the local computer.`);
    }
    zones.set(id, zone);
  }
  return zone;
}

function convert(value: DateTime | DateTimeOffset, to: TimeZoneInfo, from: TimeZoneInfo = UTC): DateTime | DateTimeOffset {
  if (value instanceof DateTimeOffset) return DateTimeOffset.of(value.ms, to.offsetAt(value.ms));
  const utc = value.Kind === DateTimeKind.Unspecified ? from.utcOf(value.ms) : value.ms;
  return wallClock(utc, to);
}

/** A UTC instant as wall-clock time in `zone`: Utc kind for UTC itself, Unspecified otherwise, as .NET gives. */
function wallClock(utcMs: number, zone: TimeZoneInfo): DateTime {
  return zone === UTC ? DateTime.of(utcMs, DateTimeKind.Utc) : DateTime.of(utcMs + zone.offsetAt(utcMs) * 60000, DateTimeKind.Unspecified);
}

export const TimeZoneInfoStatics = {
  Utc: UTC,
  Local: UTC,
  FindSystemTimeZoneById: findZone,
  ConvertTimeFromUtc: (value: DateTime, zone: TimeZoneInfo) => wallClock(value.ms, zone),
  ConvertTimeToUtc: (value: DateTime, zone?: TimeZoneInfo) =>
    DateTime.of(value.Kind === DateTimeKind.Unspecified && zone ? zone.utcOf(value.ms) : value.ms, DateTimeKind.Utc),
  ConvertTime: (value: DateTime | DateTimeOffset, a: TimeZoneInfo, b?: TimeZoneInfo) => (b ? convert(value, b, a) : convert(value, a)),
  ConvertTimeBySystemTimeZoneId: (value: DateTime | DateTimeOffset, a: string, b?: string) => (b ? convert(value, findZone(b), findZone(a)) : convert(value, findZone(a))),
};
