import { formatDotNetDate } from './dates.ts';
import { toText } from './values.ts';

/**
 * The Liquid filters APIM lists for set-body (APIM-REFERENCE §4), named in
 * DotLiquid's C# convention (`Upcase`, `Date`, `UrlEncode`). Lookup also
 * accepts the Ruby spelling (`url_encode`), which DotLiquid in C# mode does
 * not: a template written for APIM works unchanged either way.
 */
export type Filter = (input: unknown, ...args: unknown[]) => unknown;

const num = (value: unknown): number => {
  const n = typeof value === 'number' ? value : Number(toText(value));
  return Number.isNaN(n) ? 0 : n;
};
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === null || value === undefined ? [] : [value]);
const isEmptyish = (value: unknown): boolean => value === null || value === undefined || value === false || value === '' || (Array.isArray(value) && value.length === 0);

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (input: unknown): string => toText(input).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);

/** As .NET's WebUtility.UrlEncode: space → `+`, upper-case hex, only `-_.!*()` left bare besides letters and digits. */
function urlEncode(input: unknown): string {
  return encodeURIComponent(toText(input)).replace(/%20/g, '+').replace(/[~']/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
}

function urlDecode(input: unknown): string {
  const text = toText(input).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function toDate(input: unknown): Date | undefined {
  if (input instanceof Date) return input;
  const text = toText(input);
  if (text === 'now' || text === 'today') return new Date();
  if (typeof input === 'number') return new Date(input * 1000);
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : new Date(parsed);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

const byProperty = (property: unknown) => (item: unknown): unknown => (property === undefined ? item : (item as Record<string, unknown> | null)?.[toText(property)]);

const FILTERS: Record<string, Filter> = {
  Abs: (input) => Math.abs(num(input)),
  Append: (input, suffix) => toText(input) + toText(suffix),
  AtLeast: (input, floor) => Math.max(num(input), num(floor)),
  AtMost: (input, ceiling) => Math.min(num(input), num(ceiling)),
  Capitalize: (input) => {
    const text = toText(input);
    return text.charAt(0).toUpperCase() + text.slice(1);
  },
  Compact: (input) => list(input).filter((item) => item !== null && item !== undefined),
  Currency: (input) => num(input).toLocaleString('en-US', { style: 'currency', currency: 'USD' }),
  Date: (input, format) => {
    const date = toDate(input);
    if (date === undefined || format === undefined || toText(format) === '') return input;
    return formatDotNetDate(date, toText(format));
  },
  Default: (input, fallback) => (isEmptyish(input) ? fallback : input),
  DividedBy: (input, divisor) => {
    const d = num(divisor);
    const n = num(input);
    return Number.isInteger(n) && Number.isInteger(d) ? Math.trunc(n / d) : n / d;
  },
  Downcase: (input) => toText(input).toLowerCase(),
  Escape: escapeHtml,
  H: escapeHtml,
  First: (input) => (typeof input === 'string' ? input.charAt(0) : list(input)[0]),
  Join: (input, separator = ' ') => list(input).map(toText).join(toText(separator)),
  Last: (input) => (typeof input === 'string' ? input.slice(-1) : list(input).at(-1)),
  Lstrip: (input) => toText(input).trimStart(),
  Map: (input, property) => list(input).map(byProperty(property)),
  Minus: (input, operand) => num(input) - num(operand),
  Modulo: (input, operand) => num(input) % num(operand),
  NewlineToBr: (input) => toText(input).replace(/\r?\n/g, '<br />\n'),
  Plus: (input, operand) => num(input) + num(operand),
  Prepend: (input, prefix) => toText(prefix) + toText(input),
  Remove: (input, text) => toText(input).replaceAll(toText(text), ''),
  RemoveFirst: (input, text) => toText(input).replace(toText(text), ''),
  Replace: (input, from, to) => toText(input).replaceAll(toText(from), toText(to)),
  ReplaceFirst: (input, from, to) => toText(input).replace(toText(from), toText(to)),
  Round: (input, digits = 0) => round(num(input), num(digits)),
  Rstrip: (input) => toText(input).trimEnd(),
  Size: (input) => (typeof input === 'string' || Array.isArray(input) ? input.length : input !== null && typeof input === 'object' ? Object.keys(input).length : 0),
  Slice: (input, start, length = 1) => {
    const from = num(start);
    const begin = from < 0 ? Math.max(0, (typeof input === 'string' ? input.length : list(input).length) + from) : from;
    return typeof input === 'string' ? input.slice(begin, begin + num(length)) : list(input).slice(begin, begin + num(length));
  },
  Sort: (input, property) => [...list(input)].sort((a, b) => {
    const x = byProperty(property)(a);
    const y = byProperty(property)(b);
    return typeof x === 'number' && typeof y === 'number' ? x - y : toText(x) < toText(y) ? -1 : toText(x) > toText(y) ? 1 : 0;
  }),
  Split: (input, separator) => toText(input).split(toText(separator)),
  Strip: (input) => toText(input).trim(),
  StripHtml: (input) => toText(input).replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<!--[\s\S]*?-->|<[^>]*>/gi, ''),
  StripNewlines: (input) => toText(input).replace(/\r?\n/g, ''),
  Times: (input, operand) => num(input) * num(operand),
  Truncate: (input, length = 50, ellipsis = '...') => {
    const text = toText(input);
    const max = num(length);
    const tail = toText(ellipsis);
    return text.length <= max ? text : text.slice(0, Math.max(0, max - tail.length)) + tail;
  },
  TruncateWords: (input, count = 15, ellipsis = '...') => {
    const words = toText(input).split(/\s+/).filter((word) => word !== '');
    const max = Math.max(1, num(count));
    return words.length <= max ? words.join(' ') : words.slice(0, max).join(' ') + toText(ellipsis);
  },
  Uniq: (input) => [...new Set(list(input))],
  Upcase: (input) => toText(input).toUpperCase(),
  UrlDecode: urlDecode,
  UrlEncode: urlEncode,
};

const BY_KEY = new Map(Object.entries(FILTERS).map(([name, filter]) => [name.toLowerCase(), filter]));

export function findFilter(name: string): Filter | undefined {
  return BY_KEY.get(name.replaceAll('_', '').toLowerCase());
}
