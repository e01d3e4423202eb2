import { DotNetException } from '../host.ts';

/**
 * System.Text.Encoding (UTF8, ASCII, Unicode, BigEndianUnicode, UTF32,
 * Latin1, Default = UTF-8 as on .NET Core) and System.BitConverter.
 * Invalid input decodes to U+FFFD (UTF-8/16/32) or `?` (ASCII), as .NET's
 * replacement fallbacks do.
 */

type Codec = { encode(text: string): Uint8Array; decode(bytes: Uint8Array): string; preamble: readonly number[] };

function requireString(value: unknown, parameter: string): string {
  if (value === null || value === undefined) throw new DotNetException('ArgumentNullException', `Value cannot be null. (Parameter '${parameter}')`);
  return Array.isArray(value) ? value.join('') : String(value);
}

function requireBytes(value: unknown): Uint8Array {
  if (value === null || value === undefined) throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'bytes')");
  return value instanceof Uint8Array ? value : Uint8Array.from(value as ArrayLike<number>);
}

export class Encoding {
  readonly WebName: string;
  readonly EncodingName: string;
  readonly CodePage: number;
  readonly #codec: Codec;

  constructor(webName: string, encodingName: string, codePage: number, codec: Codec) {
    this.WebName = webName;
    this.EncodingName = encodingName;
    this.CodePage = codePage;
    this.#codec = codec;
  }

  get BodyName(): string {
    return this.WebName;
  }

  get HeaderName(): string {
    return this.WebName;
  }

  /** `GetBytes(string)`, `GetBytes(char[])`, `GetBytes(string, index, count)`. */
  GetBytes(text: unknown, index?: number, count?: number): Uint8Array {
    const value = requireString(text, Array.isArray(text) ? 'chars' : 's');
    return this.#codec.encode(index === undefined ? value : value.substring(index, index + (count ?? value.length - index)));
  }

  GetByteCount(text: unknown): number {
    return this.GetBytes(text).length;
  }

  /** `GetString(bytes)` or `GetString(bytes, index, count)`. */
  GetString(bytes: unknown, index?: number, count?: number): string {
    const all = requireBytes(bytes);
    const start = index ?? 0;
    const length = count ?? all.length - start;
    if (start < 0 || length < 0 || start + length > all.length) {
      throw new DotNetException('ArgumentOutOfRangeException', "Index and count must refer to a location within the buffer. (Parameter 'bytes')");
    }
    return this.#codec.decode(all.subarray(start, start + length));
  }

  GetChars(bytes: unknown): string[] {
    return [...this.GetString(bytes)];
  }

  GetCharCount(bytes: unknown): number {
    return this.GetString(bytes).length;
  }

  GetPreamble(): Uint8Array {
    return Uint8Array.from(this.#codec.preamble);
  }

  GetMaxByteCount(charCount: number): number {
    return (charCount + 1) * (this.CodePage === 65001 ? 3 : this.CodePage === 12000 ? 4 : this.CodePage === 20127 || this.CodePage === 28591 ? 1 : 2);
  }

  static readonly UTF8 = new Encoding('utf-8', 'Unicode (UTF-8)', 65001, {
    encode: (text) => new Uint8Array(Buffer.from(text, 'utf8')),
    decode: (bytes) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes),
    preamble: [0xef, 0xbb, 0xbf],
  });
  static readonly ASCII = new Encoding('us-ascii', 'US-ASCII', 20127, {
    encode: (text) => Uint8Array.from(text, (ch) => (ch.charCodeAt(0) < 0x80 ? ch.charCodeAt(0) : 0x3f)),
    decode: (bytes) => String.fromCharCode(...Array.from(bytes, (b) => (b < 0x80 ? b : 0x3f))),
    preamble: [],
  });
  static readonly Latin1 = new Encoding('iso-8859-1', 'Western European (ISO)', 28591, {
    encode: (text) => Uint8Array.from(text, (ch) => (ch.charCodeAt(0) < 0x100 ? ch.charCodeAt(0) : 0x3f)),
    decode: (bytes) => Buffer.from(bytes).toString('latin1'),
    preamble: [],
  });
  static readonly Unicode = new Encoding('utf-16', 'Unicode', 1200, {
    encode: (text) => new Uint8Array(Buffer.from(text, 'utf16le')),
    decode: (bytes) => new TextDecoder('utf-16le', { ignoreBOM: true }).decode(bytes),
    preamble: [0xff, 0xfe],
  });
  static readonly BigEndianUnicode = new Encoding('utf-16BE', 'Unicode (Big-Endian)', 1201, {
    encode: (text) => new Uint8Array(Buffer.from(text, 'utf16le').swap16()),
    decode: (bytes) => new TextDecoder('utf-16be', { ignoreBOM: true }).decode(bytes),
    preamble: [0xfe, 0xff],
  });
  static readonly UTF32 = new Encoding('utf-32', 'Unicode (UTF-32)', 12000, {
    encode: (text) => {
      const codePoints = Array.from(text, (ch) => ch.codePointAt(0)!);
      const bytes = new Uint8Array(codePoints.length * 4);
      const view = new DataView(bytes.buffer);
      codePoints.forEach((cp, i) => view.setUint32(i * 4, cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp, true));
      return bytes;
    },
    decode: (bytes) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let text = '';
      for (let i = 0; i + 4 <= bytes.length; i += 4) {
        const cp = view.getUint32(i, true);
        text += String.fromCodePoint(cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ? 0xfffd : cp);
      }
      return bytes.length % 4 === 0 ? text : `${text}\ufffd`;
    },
    preamble: [0xff, 0xfe, 0, 0],
  });
  /** .NET Core's Encoding.Default is UTF-8 without a preamble. */
  static readonly Default = Encoding.UTF8;

  static GetEncoding(name: string | number): Encoding {
    const found = ENCODINGS_BY_NAME.get(String(name).toLowerCase());
    if (found) return found;
    throw new DotNetException('ArgumentException', `'${name}' is not a supported encoding name. (Parameter 'name')`);
  }
}

const ENCODINGS_BY_NAME = new Map<string, Encoding>();
for (const [encoding, names] of [
  [Encoding.UTF8, ['utf-8', 'utf8', '65001']],
  [Encoding.ASCII, ['us-ascii', 'ascii', '20127']],
  [Encoding.Latin1, ['iso-8859-1', 'latin1', '28591']],
  [Encoding.Unicode, ['utf-16', 'utf-16le', 'unicode', '1200']],
  [Encoding.BigEndianUnicode, ['utf-16be', 'unicodefffe', '1201']],
  [Encoding.UTF32, ['utf-32', 'utf-32le', '12000']],
] as const) {
  for (const name of names) ENCODINGS_BY_NAME.set(name, encoding);
}

/**
 * System.BitConverter, little-endian. Numbers carry no C# static type here,
 * so GetBytes picks the width from the value: booleans 1 byte, integers in
 * Int32 range 4 bytes, other integers 8 bytes (Int64), fractions 8 (Double).
 */
export const BitConverter = {
  IsLittleEndian: true,

  /** `"AB-CD-EF"`; with a start index and length, that slice. */
  ToString(bytes: unknown, startIndex = 0, length?: number): string {
    const all = requireBytes(bytes);
    const slice = all.subarray(startIndex, length === undefined ? all.length : startIndex + length);
    return Array.from(slice, (b) => b.toString(16).toUpperCase().padStart(2, '0')).join('-');
  },

  GetBytes(value: unknown): Uint8Array {
    if (typeof value === 'boolean') return Uint8Array.of(value ? 1 : 0);
    if (typeof value === 'string') return Uint8Array.of(value.charCodeAt(0) & 0xff, value.charCodeAt(0) >> 8);
    const number = Number(value);
    const bytes = new Uint8Array(Number.isInteger(number) && number >= -2147483648 && number <= 2147483647 ? 4 : 8);
    const view = new DataView(bytes.buffer);
    if (bytes.length === 4) view.setInt32(0, number, true);
    else if (Number.isInteger(number)) view.setBigInt64(0, BigInt(number), true);
    else view.setFloat64(0, number, true);
    return bytes;
  },

  ToInt16: (bytes: unknown, startIndex = 0): number => view(bytes, startIndex, 2).getInt16(0, true),
  ToUInt16: (bytes: unknown, startIndex = 0): number => view(bytes, startIndex, 2).getUint16(0, true),
  ToInt32: (bytes: unknown, startIndex = 0): number => view(bytes, startIndex, 4).getInt32(0, true),
  ToUInt32: (bytes: unknown, startIndex = 0): number => view(bytes, startIndex, 4).getUint32(0, true),
  ToInt64: (bytes: unknown, startIndex = 0): number => Number(view(bytes, startIndex, 8).getBigInt64(0, true)),
  ToUInt64: (bytes: unknown, startIndex = 0): number => Number(view(bytes, startIndex, 8).getBigUint64(0, true)),
  ToSingle: (bytes: unknown, startIndex = 0): number => view(bytes, startIndex, 4).getFloat32(0, true),
  ToDouble: (bytes: unknown, startIndex = 0): number => view(bytes, startIndex, 8).getFloat64(0, true),
  ToBoolean: (bytes: unknown, startIndex = 0): boolean => view(bytes, startIndex, 1).getUint8(0) !== 0,
  ToChar: (bytes: unknown, startIndex = 0): string => String.fromCharCode(view(bytes, startIndex, 2).getUint16(0, true)),
};

function view(bytes: unknown, startIndex: number, width: number): DataView {
  const all = requireBytes(bytes);
  if (startIndex < 0 || startIndex >= all.length) {
    throw new DotNetException('ArgumentOutOfRangeException', "Index was out of range. Must be non-negative and less than the size of the collection. (Parameter 'startIndex')");
  }
  if (startIndex + width > all.length) {
    throw new DotNetException('ArgumentException', "Destination array is not long enough to copy all the items in the collection. Check array index and length. (Parameter 'value')");
  }
  return new DataView(all.buffer, all.byteOffset + startIndex, width);
}
