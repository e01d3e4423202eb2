import { PolicyCompileError, type SourceLocation } from './diagnostics.ts';
import { expressionEnd } from './expression/extent.ts';

/**
 * The XML layer of policy documents: a small tokenizer that knows policy
 * expressions. APIM accepts `@(…)` / `@{…}` with raw quotes, `<`, `>` and `&&`
 * inside attribute values and text, so wherever a value or text holds an
 * expression the tokenizer skips to its balanced end (expressionEnd) before it
 * looks for XML syntax again. Values stay raw here (entities and named values
 * are resolved by parse.ts), each with the exact location it starts at.
 */

export interface RawAttribute {
  readonly name: string;
  /** Between the quotes, untouched. */
  readonly raw: string;
  /** Of the attribute name. */
  readonly location: SourceLocation;
  /** Of the value's first character (just after the opening quote). */
  readonly valueLocation: SourceLocation;
}

export interface RawText {
  readonly raw: string;
  /** CDATA content: no entities to decode. */
  readonly cdata: boolean;
  readonly location: SourceLocation;
}

export interface RawElement {
  readonly name: string;
  readonly attributes: RawAttribute[];
  readonly children: RawElement[];
  /** Text and CDATA pieces in document order (comments dropped). */
  readonly text: RawText[];
  /** Of the `<`. */
  readonly location: SourceLocation;
  /** The source between the start and end tags (markup included), for elements whose content is a template. */
  inner: RawText | undefined;
}

const NAME_START = /[A-Za-z_:]/;
const NAME_CHAR = /[A-Za-z0-9_:.\-]/;
const SPACE = /[ \t\r\n]/;
/** Far beyond any real policy document, well within the stack of the recursive passes that follow parsing. */
export const MAX_ELEMENT_DEPTH = 256;
/** The entities XML predefines, and character references. */
export const ENTITY = /^&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/;
const ENTITIES = /&(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9A-Fa-f]+);/g;
const ENTITY_TEXT: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** A character reference's code point (NaN for a named entity). */
function referencedCodePoint(entity: string): number {
  const body = entity.slice(1, -1);
  if (body.startsWith('#x')) return Number.parseInt(body.slice(2), 16);
  if (body.startsWith('#')) return Number.parseInt(body.slice(1), 10);
  return Number.NaN;
}

/** NaN (a named entity) passes. */
const beyondUnicode = (n: number): boolean => n > 0x10ffff;

/** A character reference beyond Unicode stays as written (the tokenizer reports it outside expressions). */
export function decodeEntity(entity: string): string {
  const codePoint = referencedCodePoint(entity);
  if (Number.isNaN(codePoint)) return ENTITY_TEXT[entity.slice(1, -1)]!;
  return beyondUnicode(codePoint) ? entity : String.fromCodePoint(codePoint);
}

export function decodeEntities(text: string): string {
  return text.replace(ENTITIES, decodeEntity);
}

class Tokenizer {
  readonly text: string;
  readonly file: string;
  readonly #lineStarts: number[] = [0];
  pos = 0;

  constructor(text: string, file: string) {
    this.text = text;
    this.file = file;
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.#lineStarts.push(i + 1);
  }

  at(offset: number): SourceLocation {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { file: this.file, line: low + 1, column: offset - this.#lineStarts[low]! + 1 };
  }

  fail(message: string, offset = this.pos): never {
    throw new PolicyCompileError(message, this.at(offset));
  }

  where(offset: number): string {
    const { line, column } = this.at(offset);
    return `${line}:${column}`;
  }

  startsWith(token: string): boolean {
    return this.text.startsWith(token, this.pos);
  }

  skipSpace(): void {
    while (this.pos < this.text.length && SPACE.test(this.text[this.pos]!)) this.pos++;
  }

  /** Skips to just after `terminator`, or fails with what was left open. */
  skipPast(terminator: string, what: string, openedAt: number): string {
    const end = this.text.indexOf(terminator, this.pos);
    if (end === -1) this.fail(`unclosed ${what} opened at ${this.where(openedAt)}`, this.text.length);
    const content = this.text.slice(this.pos, end);
    this.pos = end + terminator.length;
    return content;
  }

  name(what: string): string {
    const start = this.pos;
    if (!NAME_START.test(this.text[this.pos] ?? '')) {
      this.fail(this.pos >= this.text.length ? `document ends where ${what} was expected` : `expected ${what}, found ${describe(this.text[this.pos]!)}`);
    }
    while (this.pos < this.text.length && NAME_CHAR.test(this.text[this.pos]!)) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /**
   * At `@(` or `@{`: moves past the expression, or fails when its brackets never balance.
   * Well-formed documents escape expressions (`@(&quot;https://x&quot;)`): when the text up to the
   * next `stops` character balances once decoded, that is the expression; otherwise it is raw C#.
   */
  skipExpression(stops: string): void {
    let stop = this.pos;
    while (stop < this.text.length && !stops.includes(this.text[stop]!)) stop++;
    const escaped = this.text.slice(this.pos, stop);
    if (escaped.includes('&') && expressionEnd(decodeEntities(escaped), 0) !== -1) {
      this.pos = stop;
      return;
    }
    const end = expressionEnd(this.text, this.pos);
    if (end === -1) this.fail(`expression ${this.text.slice(this.pos, this.pos + 2)}… never closes: check its brackets and string quotes`);
    this.pos = end;
  }

  atExpression(): boolean {
    return this.text[this.pos] === '@' && (this.text[this.pos + 1] === '(' || this.text[this.pos + 1] === '{');
  }

  /** Outside expressions `&` must start an entity, as XML wants; inside them it is C#. */
  checkAmpersand(): void {
    const entity = ENTITY.exec(this.text.slice(this.pos, this.pos + 12));
    if (!entity) this.fail('"&" outside an expression must start an entity such as &amp;');
    if (beyondUnicode(referencedCodePoint(entity[0]))) this.fail(`character reference ${entity[0]} is beyond Unicode`);
  }

  document(): RawElement {
    if (this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    this.misc();
    if (this.pos >= this.text.length) this.fail('empty policy document: expected <policies>');
    if (!this.startsWith('<') || this.startsWith('</')) this.fail(`expected a root element, found ${describe(this.text[this.pos]!)}`);
    const root = this.element(1);
    this.misc();
    if (this.pos < this.text.length) this.fail(`content after the root element </${root.name}>`);
    return root;
  }

  /** Whitespace, comments and processing instructions around the root. */
  misc(): void {
    for (;;) {
      this.skipSpace();
      const start = this.pos;
      if (this.startsWith('<!--')) {
        this.pos += 4;
        this.skipPast('-->', 'comment', start);
      } else if (this.startsWith('<?')) {
        this.pos += 2;
        this.skipPast('?>', 'processing instruction', start);
      } else if (this.startsWith('<!DOCTYPE')) {
        this.fail('DOCTYPE is not allowed in a policy document');
      } else {
        return;
      }
    }
  }

  element(depth: number): RawElement {
    const start = this.pos;
    if (depth > MAX_ELEMENT_DEPTH) this.fail(`elements nest more than ${MAX_ELEMENT_DEPTH} levels deep`);
    this.pos++;
    const name = this.name('an element name');
    const element: RawElement = { name, attributes: [], children: [], text: [], location: this.at(start), inner: undefined };
    for (;;) {
      const hadSpace = SPACE.test(this.text[this.pos] ?? '');
      this.skipSpace();
      if (this.startsWith('/>')) {
        this.pos += 2;
        return element;
      }
      if (this.startsWith('>')) {
        this.pos++;
        break;
      }
      if (this.pos >= this.text.length) this.fail(`unclosed <${name}> tag opened at ${this.where(start)}`);
      if (!hadSpace) this.fail(`expected whitespace, ">" or "/>" in <${name}>, found ${describe(this.text[this.pos]!)}`);
      element.attributes.push(this.attribute(element));
    }
    this.content(element, start, depth);
    return element;
  }

  attribute(element: RawElement): RawAttribute {
    const start = this.pos;
    const name = this.name(`an attribute name in <${element.name}>`);
    if (element.attributes.some((a) => a.name === name)) this.fail(`duplicate attribute "${name}" in <${element.name}>`, start);
    this.skipSpace();
    if (this.text[this.pos] !== '=') this.fail(`attribute "${name}" of <${element.name}> has no value`, start);
    this.pos++;
    this.skipSpace();
    const quote = this.text[this.pos];
    if (quote !== '"' && quote !== "'") this.fail(`value of attribute "${name}" must be in quotes`);
    this.pos++;
    const valueStart = this.pos;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail(`unclosed value of attribute "${name}" opened at ${this.where(valueStart - 1)}`);
      if (c === quote) break;
      if (this.atExpression()) {
        this.skipExpression(quote);
        continue;
      }
      if (c === '<') this.fail(`"<" in the value of attribute "${name}" must be written &lt; outside an expression`);
      if (c === '&') this.checkAmpersand();
      this.pos++;
    }
    const raw = this.text.slice(valueStart, this.pos);
    this.pos++;
    return { name, raw, location: this.at(start), valueLocation: this.at(valueStart) };
  }

  /** Children, text and CDATA up to the matching end tag. */
  content(element: RawElement, start: number, depth: number): void {
    const innerStart = this.pos;
    let textStart = this.pos;
    const flushText = (end: number): void => {
      if (end > textStart) element.text.push({ raw: this.text.slice(textStart, end), cdata: false, location: this.at(textStart) });
    };
    for (;;) {
      if (this.pos >= this.text.length) this.fail(`unclosed <${element.name}> opened at ${this.where(start)}`);
      if (this.atExpression()) {
        this.skipExpression('<');
        continue;
      }
      const c = this.text[this.pos];
      if (c === '&') {
        this.checkAmpersand();
        this.pos++;
        continue;
      }
      if (c !== '<') {
        this.pos++;
        continue;
      }
      flushText(this.pos);
      const tagStart = this.pos;
      if (this.startsWith('<!--')) {
        this.pos += 4;
        this.skipPast('-->', 'comment', tagStart);
      } else if (this.startsWith('<![CDATA[')) {
        this.pos += 9;
        const cdataStart = this.pos;
        const content = this.skipPast(']]>', 'CDATA section', tagStart);
        element.text.push({ raw: content, cdata: true, location: this.at(cdataStart) });
      } else if (this.startsWith('</')) {
        this.pos += 2;
        const name = this.name('an element name after "</"');
        this.skipSpace();
        if (name !== element.name) this.fail(`</${name}> does not close <${element.name}> opened at ${this.where(start)}`, tagStart);
        if (!this.startsWith('>')) this.fail(`expected ">" to end </${name}>`);
        this.pos++;
        element.inner = { raw: this.text.slice(innerStart, tagStart), cdata: false, location: this.at(innerStart) };
        return;
      } else if (this.startsWith('<?')) {
        this.pos += 2;
        this.skipPast('?>', 'processing instruction', tagStart);
      } else if (this.startsWith('<!')) {
        this.fail(`unexpected "<!" in <${element.name}>`);
      } else {
        element.children.push(this.element(depth + 1));
      }
      textStart = this.pos;
    }
  }
}

function describe(c: string): string {
  return c === '\n' || c === '\r' ? 'a line break' : `"${c}"`;
}

/** Parses a policy document's XML structure; throws PolicyCompileError at the first syntax error. */
export function tokenizePolicyXml(text: string, file: string): RawElement {
  return new Tokenizer(text, file).document();
}
