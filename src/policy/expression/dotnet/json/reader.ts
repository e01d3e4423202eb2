import { DotNetException } from '../../host.ts';
import { parseJsonDate } from './dates.ts';
import { JArray, JConstructor } from './jarray.ts';
import { JObject, JProperty } from './jobject.ts';
import type { JToken } from './jtoken.ts';
import { JValue } from './jvalue.ts';

/**
 * JSON text → tokens, as Newtonsoft's JsonTextReader + JToken.Load read it:
 * comments skipped, single-quoted strings and bare property names accepted,
 * NaN/Infinity/undefined and `new Name(…)` understood, ISO date strings read
 * as Date tokens, integral numbers as Integer and the rest as Float, a
 * repeated property name replacing the earlier value.
 */
export function parseJson(text: string): JToken {
  const reader = new Reader(text);
  reader.skipInsignificant();
  if (reader.atEnd()) throw reader.error('Error reading JToken from JsonReader.');
  const token = reader.readValue();
  reader.skipInsignificant();
  if (!reader.atEnd()) throw reader.error(`Additional text encountered after finished reading JSON content: ${reader.current()}.`);
  return token;
}

const DIGIT_OR_SIGN = /[-+0-9.]/;
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const IDENTIFIER = /[A-Za-z_$][\w$]*/y;

class Reader {
  private i = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  current(): string {
    return this.text[this.i] ?? '';
  }

  readValue(): JToken {
    const c = this.text[this.i];
    switch (c) {
      case '{':
        return this.readObject();
      case '[':
        return this.readArray();
      case '"':
      case "'": {
        const value = this.readString();
        return new JValue(parseJsonDate(value) ?? value);
      }
    }
    if (c !== undefined && DIGIT_OR_SIGN.test(c)) return this.readNumber();
    const word = this.readIdentifier();
    switch (word) {
      case 'true':
        return new JValue(true);
      case 'false':
        return new JValue(false);
      case 'null':
        return JValue.CreateNull();
      case 'undefined':
        return JValue.CreateUndefined();
      case 'NaN':
        return new JValue(Number.NaN, 'Float');
      case 'Infinity':
        return new JValue(Infinity, 'Float');
      case 'new':
        return this.readConstructor();
    }
    throw this.error(`Unexpected character encountered while parsing value: ${c ?? ''}.`);
  }

  private readObject(): JObject {
    const object = new JObject();
    this.i += 1;
    this.skipInsignificant();
    while (this.text[this.i] !== '}') {
      const c = this.text[this.i];
      const name = c === '"' || c === "'" ? this.readString() : this.readIdentifier();
      if (!name && c !== '"' && c !== "'") throw this.error(`Invalid property identifier character: ${c ?? ''}.`);
      this.skipInsignificant();
      if (this.text[this.i] !== ':') throw this.error(`Invalid character after parsing property name. Expected ':' but got: ${this.current()}.`);
      this.i += 1;
      this.skipInsignificant();
      const value = this.readValue();
      const existing = object.Property(name);
      if (existing) existing.Value = value;
      else object.Add(new JProperty(name, value));
      this.skipInsignificant();
      if (this.text[this.i] === ',') {
        this.i += 1;
        this.skipInsignificant();
      } else if (this.text[this.i] !== '}') {
        throw this.error(`After parsing a value an unexpected character was encountered: ${this.current()}.`);
      }
    }
    this.i += 1;
    return object;
  }

  private readArray(): JArray {
    const array = new JArray();
    this.i += 1;
    this.readItems(']', (token) => array.Add(token));
    return array;
  }

  private readConstructor(): JConstructor {
    this.skipInsignificant();
    const name = this.readIdentifier();
    this.skipInsignificant();
    if (!name || this.text[this.i] !== '(') throw this.error('Unexpected character while parsing constructor.');
    const constructor = new JConstructor(name);
    this.i += 1;
    this.readItems(')', (token) => constructor.Add(token));
    return constructor;
  }

  private readItems(close: string, add: (token: JToken) => void): void {
    this.skipInsignificant();
    while (this.text[this.i] !== close) {
      if (this.atEnd()) throw this.error('Unexpected end of content while loading JArray.');
      add(this.readValue());
      this.skipInsignificant();
      if (this.text[this.i] === ',') {
        this.i += 1;
        this.skipInsignificant();
      } else if (this.text[this.i] !== close) {
        throw this.error(`After parsing a value an unexpected character was encountered: ${this.current()}.`);
      }
    }
    this.i += 1;
  }

  private readString(): string {
    const quote = this.text[this.i]!;
    const start = this.i + 1;
    const end = this.text.indexOf(quote, start);
    if (end < 0) throw this.error('Unterminated string. Expected delimiter: ' + quote + '.');
    const simple = this.text.slice(start, end);
    if (!simple.includes('\\')) {
      this.i = end + 1;
      return simple;
    }
    let result = '';
    let i = start;
    for (;;) {
      const c = this.text[i];
      if (c === undefined) throw this.error('Unterminated string. Expected delimiter: ' + quote + '.');
      if (c === quote) break;
      if (c !== '\\') {
        result += c;
        i += 1;
        continue;
      }
      const escaped = this.text[i + 1];
      if (escaped === 'u') {
        const hex = this.text.slice(i + 2, i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error(`Invalid Unicode escape sequence: \\u${hex}.`);
        result += String.fromCharCode(parseInt(hex, 16));
        i += 6;
        continue;
      }
      const mapped = ESCAPED[escaped ?? ''];
      if (mapped === undefined) throw this.error(`Bad JSON escape sequence: \\${escaped ?? ''}.`);
      result += mapped;
      i += 2;
    }
    this.i = i + 1;
    return result;
  }

  private readNumber(): JValue {
    if (this.text.startsWith('-Infinity', this.i)) {
      this.i += 9;
      return new JValue(-Infinity, 'Float');
    }
    NUMBER.lastIndex = this.i;
    const match = NUMBER.exec(this.text);
    if (!match) throw this.error(`Unexpected character encountered while parsing number: ${this.current()}.`);
    this.i += match[0].length;
    const isFloat = /[.eE]/.test(match[0]);
    return new JValue(Number(match[0]), isFloat ? 'Float' : 'Integer');
  }

  private readIdentifier(): string {
    IDENTIFIER.lastIndex = this.i;
    const match = IDENTIFIER.exec(this.text);
    if (!match) return '';
    this.i += match[0].length;
    return match[0];
  }

  skipInsignificant(): void {
    for (;;) {
      const c = this.text.charCodeAt(this.i);
      if (c === 32 || c === 10 || c === 13 || c === 9 || c === 0xfeff) this.i += 1;
      else if (c === 47 && this.text[this.i + 1] === '*') {
        const end = this.text.indexOf('*/', this.i + 2);
        if (end < 0) throw this.error('Unexpected end while parsing comment.');
        this.i = end + 2;
      } else if (c === 47 && this.text[this.i + 1] === '/') {
        const end = this.text.indexOf('\n', this.i);
        this.i = end < 0 ? this.text.length : end + 1;
      } else return;
    }
  }

  /** A JsonReaderException carrying Newtonsoft's `Path '', line L, position P.` suffix. */
  error(message: string): DotNetException {
    const before = this.text.slice(0, this.i);
    const line = this.text.length === 0 ? 0 : before.split('\n').length;
    const position = this.i - (before.lastIndexOf('\n') + 1);
    return new DotNetException('JsonReaderException', `${message} Path '', line ${line}, position ${position}.`);
  }
}

const ESCAPED: Readonly<Record<string, string>> = { '"': '"', "'": "'", '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
