import { formatDouble, formatNumber } from '../format.ts';
import { JsonDate } from './dates.ts';
import type { JToken } from './jtoken.ts';

/**
 * JSON text exactly as Newtonsoft's JsonTextWriter writes it: two-space
 * indentation, `"name": value` when indented, `{}`/`[]` for empty
 * containers, floats always with a decimal point, ISO dates. Lines end in
 * "\n" as on the Linux self-hosted gateway.
 */
export function writeJson(token: JToken, indented: boolean): string {
  const out: string[] = [];
  write(token, indented ? '\n' : '', indented, out);
  return out.join('');
}

interface NamedToken {
  readonly Name: string | null;
}

interface ValueToken {
  readonly raw: unknown;
}

function write(token: JToken, newline: string, indented: boolean, out: string[]): void {
  switch (token.Type) {
    case 'Object':
      return writeContainer(token.Children(), '{', '}', newline, indented, out);
    case 'Array':
      return writeContainer(token.Children(), '[', ']', newline, indented, out);
    case 'Constructor':
      out.push(`new ${(token as unknown as NamedToken).Name ?? ''}(`);
      token.Children().forEach((child, i) => {
        if (i > 0) out.push(indented ? ', ' : ',');
        write(child, newline, indented, out);
      });
      out.push(')');
      return;
    case 'Property':
      out.push(quote((token as unknown as NamedToken).Name ?? ''), indented ? ': ' : ':');
      return write(token.Children()[0]!, newline, indented, out);
    default:
      out.push(valueText(token));
  }
}

function writeContainer(children: JToken[], open: string, close: string, newline: string, indented: boolean, out: string[]): void {
  if (children.length === 0) {
    out.push(open, close);
    return;
  }
  const inner = indented ? `${newline}  ` : '';
  out.push(open);
  children.forEach((child, i) => {
    out.push(i > 0 ? `,${inner}` : inner);
    write(child, inner, indented, out);
  });
  out.push(newline, close);
}

function valueText(token: JToken): string {
  const value = (token as unknown as ValueToken).raw;
  switch (token.Type) {
    case 'Raw':
      return String(value ?? '');
    case 'Comment':
      return `/*${String(value ?? '')}*/`;
    case 'Undefined':
      return 'undefined';
  }
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return token.Type === 'Float' ? floatText(value) : formatNumber(value);
  if (value instanceof JsonDate) return `"${value.toIsoString()}"`;
  if (value instanceof Uint8Array) return `"${Buffer.from(value).toString('base64')}"`;
  return quote(String(value));
}

/** Newtonsoft keeps a decimal point on whole floats (`1.0`) and quotes NaN and infinities. */
function floatText(value: number): string {
  const text = formatDouble(value);
  if (!Number.isFinite(value)) return `"${text}"`;
  return /[.eE]/.test(text) ? text : `${text}.0`;
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f\u0085\u2028\u2029]/;
const ESCAPES: Readonly<Record<string, string>> = { '"': '\\"', '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\f': '\\f', '\b': '\\b' };

/** A JSON string literal with Newtonsoft's default escaping (controls as lowercase `\u00xx`, non-ASCII kept). */
export function quote(text: string, quoteChar = '"'): string {
  if (!NEEDS_ESCAPE.test(text) && !text.includes(quoteChar)) return quoteChar + text + quoteChar;
  let result = quoteChar;
  for (const ch of text) {
    if (ch === quoteChar) result += `\\${ch}`;
    else if (ch === '"' || !NEEDS_ESCAPE.test(ch)) result += ch;
    else result += ESCAPES[ch] ?? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
  }
  return result + quoteChar;
}
