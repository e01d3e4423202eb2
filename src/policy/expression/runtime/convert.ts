/** System.Convert, Guid, Uri, WebUtility. */
import { randomUUID } from 'node:crypto';
import { DotNetException, OutRef } from '../host.ts';
import { argumentNull, formatError } from './errors.ts';
import { convertInteger } from './operators.ts';
import { str } from './strings.ts';
import { numberStatics } from './numbers.ts';
import { DateTimeStatics } from './datetime.ts';

function toNumber(value: unknown, type: string): number {
  if (value === null || value === undefined) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string') return (numberStatics(type) as { Parse: (s: string) => number }).Parse(value);
  if (typeof value === 'number') return type === 'double' || type === 'decimal' ? value : convertInteger(Math.round(value), type);
  throw new DotNetException('InvalidCastException', `Unable to cast object to ${type}.`);
}

export const ConvertStatics = {
  ToBase64String: (bytes: Uint8Array) => {
    if (bytes == null) throw argumentNull('inArray');
    return Buffer.from(bytes).toString('base64');
  },
  FromBase64String: (text: string) => {
    if (text == null) throw argumentNull('s');
    const clean = text.replace(/\s/g, '');
    if (clean.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean)) {
      throw formatError('The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters.');
    }
    return new Uint8Array(Buffer.from(clean, 'base64'));
  },
  ToInt32: (v: unknown, base?: number) => (typeof v === 'string' && base ? parseInt(v, base) : toNumber(v, 'int')),
  ToInt64: (v: unknown) => toNumber(v, 'long'),
  ToInt16: (v: unknown) => toNumber(v, 'short'),
  ToByte: (v: unknown) => toNumber(v, 'byte'),
  ToDouble: (v: unknown) => toNumber(v, 'double'),
  ToDecimal: (v: unknown) => toNumber(v, 'decimal'),
  ToBoolean: (v: unknown) => {
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === 'true' || s === 'false') return s === 'true';
      throw formatError(`String '${v}' was not recognized as a valid Boolean.`);
    }
    return v === null || v === undefined ? false : typeof v === 'number' ? v !== 0 : v === true;
  },
  ToString: (v: unknown, format?: unknown) => (typeof format === 'number' && typeof v === 'number' ? v.toString(format) : str(v)),
  ToDateTime: (v: unknown) => (v == null ? DateTimeStatics.MinValue : DateTimeStatics.Parse(v)),
  ToChar: (v: unknown) => (typeof v === 'number' ? String.fromCharCode(v) : str(v)[0]),
  ToHexString: (bytes: Uint8Array) => Buffer.from(bytes).toString('hex').toUpperCase(),
  FromHexString: (hex: string) => new Uint8Array(Buffer.from(hex, 'hex')),
};

/** .NET's Guid byte order: the first three groups are little-endian. */
const BYTE_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];

export class Guid {
  private readonly hex: string;
  readonly valueSemantics = true;
  constructor(value?: unknown) {
    if (value instanceof Uint8Array || Array.isArray(value)) {
      const bytes = Array.from(value as ArrayLike<number>);
      if (bytes.length !== 16) throw new DotNetException('ArgumentException', "Byte array for Guid must be exactly 16 bytes long. (Parameter 'b')");
      this.hex = BYTE_ORDER.map((i) => bytes[i]!.toString(16).padStart(2, '0')).join('');
    } else if (typeof value === 'string') {
      const hex = value.replace(/[{}()-]/g, '').toLowerCase();
      if (!/^[0-9a-f]{32}$/.test(hex)) throw formatError('Guid should contain 32 digits with 4 dashes (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).');
      this.hex = hex;
    } else this.hex = '0'.repeat(32);
  }
  ToString(format?: string) {
    const h = this.hex;
    const d = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    switch (format ?? 'D') {
      case 'N': case 'n': return h;
      case 'B': case 'b': return `{${d}}`;
      case 'P': case 'p': return `(${d})`;
      case 'D': case 'd': case '': return d;
      default: throw formatError('Format string can be only "D", "d", "N", "n", "P", "p", "B", "b", "X" or "x".');
    }
  }
  ToByteArray() {
    const bytes = new Uint8Array(16);
    BYTE_ORDER.forEach((from, to) => (bytes[from] = parseInt(this.hex.slice(to * 2, to * 2 + 2), 16)));
    return bytes;
  }
  Equals(other: unknown) { return other instanceof Guid && other.hex === this.hex; }
  CompareTo(other: Guid) { return this.hex < other.hex ? -1 : this.hex > other.hex ? 1 : 0; }
  GetHashCode() { return parseInt(this.hex.slice(0, 8), 16) | 0; }
}

export const GuidStatics = {
  Empty: new Guid(),
  NewGuid: () => new Guid(randomUUID()),
  Parse: (s: string) => new Guid(s ?? (() => { throw argumentNull('input'); })()),
  TryParse: (s: string, out: OutRef) => {
    try {
      out.value = new Guid(s);
      return true;
    } catch {
      out.value = GuidStatics.Empty;
      return false;
    }
  },
};

export const UriPartial = { Scheme: 0, Authority: 1, Path: 2, Query: 3 };

export class Uri {
  private readonly url: URL;
  constructor(value: unknown, relative?: unknown) {
    try {
      this.url = relative === undefined ? new URL(str(value)) : new URL(str(relative), value instanceof Uri ? value.AbsoluteUri : str(value));
    } catch {
      throw new DotNetException('UriFormatException', 'Invalid URI: The format of the URI could not be determined.');
    }
  }
  get Scheme() { return this.url.protocol.slice(0, -1); }
  get Host() { return this.url.hostname; }
  get Port() { return this.url.port ? Number(this.url.port) : this.url.protocol === 'https:' ? 443 : this.url.protocol === 'http:' ? 80 : -1; }
  get IsDefaultPort() { return this.url.port === ''; }
  get AbsolutePath() { return this.url.pathname; }
  get AbsoluteUri() { return this.url.href; }
  get PathAndQuery() { return this.url.pathname + this.url.search; }
  get Query() { return this.url.search; }
  get Fragment() { return this.url.hash; }
  get Authority() { return this.url.host; }
  get OriginalString() { return this.url.href; }
  get UserInfo() { return this.url.username + (this.url.password ? `:${this.url.password}` : ''); }
  get Segments() {
    const parts = this.url.pathname.split('/');
    return parts.slice(0, -1).map((p) => `${p}/`).concat(parts[parts.length - 1] ? [parts[parts.length - 1]!] : []);
  }
  GetLeftPart(part: number) {
    const u = this.url;
    return [`${u.protocol}//`, u.host, u.pathname, u.search].slice(0, part + 1).join('');
  }
  ToString() { return decodeURI(this.url.href); }
}

const escapeData = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export const UriStatics = {
  EscapeDataString: (s: string) => {
    if (s == null) throw argumentNull('stringToEscape');
    return escapeData(s);
  },
  UnescapeDataString: (s: string) => {
    if (s == null) throw argumentNull('stringToUnescape');
    return s.replace(/(%[0-9A-Fa-f]{2})+/g, (m) => {
      try { return decodeURIComponent(m); } catch { return m; }
    });
  },
  EscapeUriString: (s: string) => encodeURI(s),
  IsWellFormedUriString: (s: string) => URL.canParse(s),
  TryCreate: (s: string, _kind: unknown, out: OutRef) => {
    out.value = URL.canParse(s) ? new Uri(s) : null;
    return out.value !== null;
  },
  UriSchemeHttp: 'http',
  UriSchemeHttps: 'https',
};

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export const WebUtilityStatics = {
  UrlEncode: (s: string) => (s == null ? null : encodeURIComponent(s).replace(/%20/g, '+').replace(/[!'()*]/g, (c) => c)),
  UrlDecode: (s: string) => (s == null ? null : UriStatics.UnescapeDataString(s.replace(/\+/g, ' '))),
  HtmlEncode: (s: string) => (s == null ? null : s.replace(/[&<>"']/g, (c) => HTML[c]!)),
  HtmlDecode: (s: string) =>
    s == null ? null : s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (m, e: string) => {
      const lower = e.toLowerCase();
      if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
      if (lower.startsWith('#')) return String.fromCodePoint(Number(lower.slice(1)));
      return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[lower] ?? m;
    }),
};
