import { DotNetException } from '../../host.ts';

/**
 * XML text → a neutral tree with namespaces resolved, as XmlReader feeds
 * XDocument.Parse: entities expanded, attribute values normalised, CRLF
 * folded to LF, and (unless whitespace is preserved) whitespace-only text
 * between elements dropped. The tree is plain data so json-to-xml and other
 * policies can use it without the XLinq classes.
 */

export const XMLNS_NAMESPACE = 'http://www.w3.org/2000/xmlns/';
export const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

export interface RawName {
  readonly namespace: string;
  readonly local: string;
}
export interface RawAttribute extends RawName {
  readonly value: string;
}
export type RawNode =
  | { readonly type: 'element'; readonly name: RawName; readonly attributes: RawAttribute[]; readonly children: RawNode[]; readonly selfClosing: boolean }
  | { readonly type: 'text' | 'cdata' | 'comment'; readonly value: string }
  | { readonly type: 'pi'; readonly target: string; readonly data: string };
export interface RawDeclaration {
  readonly version: string | null;
  readonly encoding: string | null;
  readonly standalone: string | null;
}
export interface RawDocument {
  readonly declaration: RawDeclaration | null;
  /** Top-level comments, processing instructions and the root element, in order. */
  readonly nodes: RawNode[];
  readonly doctype: string | null;
}

const NAME = /[A-Za-z_:\u00C0-\uFFFF][\w.\-:\u00B7\u00C0-\uFFFF]*/y;
const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function parseXml(text: string, preserveWhitespace = false): RawDocument {
  return new Parser(text.replace(/\r\n?/g, '\n'), preserveWhitespace).document();
}

class Parser {
  private i = 0;
  private readonly text: string;
  private readonly preserve: boolean;
  constructor(text: string, preserve: boolean) {
    this.text = text.startsWith('\ufeff') ? text.slice(1) : text;
    this.preserve = preserve;
  }

  document(): RawDocument {
    let declaration: RawDeclaration | null = null;
    let doctype: string | null = null;
    const nodes: RawNode[] = [];
    let root = false;
    if (this.text.startsWith('<?xml ', 0) || this.text.startsWith('<?xml?', 0)) declaration = this.declaration();
    for (;;) {
      this.skipSpace();
      if (this.i >= this.text.length) break;
      if (this.text.startsWith('<!--', this.i)) nodes.push(this.comment());
      else if (this.text.startsWith('<?', this.i)) nodes.push(this.pi());
      else if (this.text.startsWith('<!DOCTYPE', this.i) && !root) doctype = this.doctype();
      else if (this.text[this.i] === '<' && !root) {
        nodes.push(this.element(new Map([['xml', XML_NAMESPACE]]), false));
        root = true;
      } else if (root) throw this.error('There are multiple root elements.');
      else throw this.error('Data at the root level is invalid.');
    }
    if (!root) throw this.error('Root element is missing.');
    return { declaration, nodes, doctype };
  }

  private declaration(): RawDeclaration {
    const end = this.text.indexOf('?>');
    if (end < 0) throw this.error('Unexpected end of file.');
    const body = this.text.slice(5, end);
    this.i = end + 2;
    const get = (name: string): string | null => new RegExp(`${name}\\s*=\\s*(["'])(.*?)\\1`).exec(body)?.[2] ?? null;
    return { version: get('version'), encoding: get('encoding'), standalone: get('standalone') };
  }

  private doctype(): string {
    const start = this.i;
    let depth = 0;
    while (this.i < this.text.length) {
      const c = this.text[this.i++];
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth === 0) return this.text.slice(start, this.i);
    }
    throw this.error('Unexpected end of file.');
  }

  private element(parentScope: ReadonlyMap<string, string>, parentPreserve: boolean): RawNode {
    this.i += 1;
    const nameStart = this.i;
    const qname = this.name();
    const rawAttributes: { name: string; value: string }[] = [];
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = this.text[this.i];
      if (c === '/' || c === '>') break;
      if (c === undefined) throw this.error('Unexpected end of file.');
      if (!hadSpace) throw this.error(`'${c}' is an unexpected token. Expecting white space.`);
      const name = this.name();
      this.skipSpace();
      if (this.text[this.i] !== '=') throw this.error(`'${this.text[this.i] ?? ''}' is an unexpected token. The expected token is '='.`);
      this.i += 1;
      this.skipSpace();
      if (rawAttributes.some((a) => a.name === name)) throw this.error(`'${name}' is a duplicate attribute name.`);
      rawAttributes.push({ name, value: this.attributeValue() });
    }
    const scope = new Map(parentScope);
    for (const { name, value } of rawAttributes) {
      if (name === 'xmlns') scope.set('', value);
      else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
    }
    const preserve = rawAttributes.find((a) => a.name === 'xml:space')?.value === 'preserve' || (parentPreserve && rawAttributes.find((a) => a.name === 'xml:space')?.value !== 'default');
    const name = this.resolve(qname, scope, true);
    const attributes = rawAttributes.map(({ name: n, value }): RawAttribute => {
      if (n === 'xmlns') return { namespace: '', local: 'xmlns', value };
      if (n.startsWith('xmlns:')) return { namespace: XMLNS_NAMESPACE, local: n.slice(6), value };
      return { ...this.resolve(n, scope, false), value };
    });
    if (this.text[this.i] === '/') {
      if (this.text[this.i + 1] !== '>') throw this.error(`'/' is an unexpected token.`);
      this.i += 2;
      return { type: 'element', name, attributes, children: [], selfClosing: true };
    }
    this.i += 1;
    const children = this.content(qname, nameStart, scope, preserve || this.preserve);
    return { type: 'element', name, attributes, children, selfClosing: false };
  }

  private content(qname: string, nameStart: number, scope: ReadonlyMap<string, string>, preserve: boolean): RawNode[] {
    const children: RawNode[] = [];
    let text = '';
    const flushText = (): void => {
      if (text && (preserve || /\S/.test(text))) children.push({ type: 'text', value: text });
      text = '';
    };
    for (;;) {
      if (this.i >= this.text.length) throw this.error(`Unexpected end of file has occurred. The following elements are not closed: ${qname}.`);
      if (this.text.startsWith('</', this.i)) {
        flushText();
        this.i += 2;
        const closingStart = this.i;
        const closing = this.name();
        if (closing !== qname) {
          this.i = closingStart;
          const [line, position] = this.position(nameStart);
          throw this.error(`The '${qname}' start tag on line ${line} position ${position} does not match the end tag of '${closing}'.`);
        }
        this.skipSpace();
        if (this.text[this.i] !== '>') throw this.error('Unexpected token.');
        this.i += 1;
        return children;
      }
      if (this.text.startsWith('<![CDATA[', this.i)) {
        flushText();
        const end = this.text.indexOf(']]>', this.i);
        if (end < 0) throw this.error('Unexpected end of file while parsing CDATA has occurred.');
        children.push({ type: 'cdata', value: this.text.slice(this.i + 9, end) });
        this.i = end + 3;
      } else if (this.text.startsWith('<!--', this.i)) {
        flushText();
        children.push(this.comment());
      } else if (this.text.startsWith('<?', this.i)) {
        flushText();
        children.push(this.pi());
      } else if (this.text[this.i] === '<') {
        flushText();
        children.push(this.element(scope, preserve));
      } else {
        const next = this.text.indexOf('<', this.i);
        const end = next < 0 ? this.text.length : next;
        text += this.decode(this.text.slice(this.i, end));
        this.i = end;
      }
    }
  }

  private comment(): RawNode {
    const end = this.text.indexOf('-->', this.i + 4);
    if (end < 0) throw this.error('Unexpected end of file while parsing Comment has occurred.');
    const value = this.text.slice(this.i + 4, end);
    this.i = end + 3;
    return { type: 'comment', value };
  }

  private pi(): RawNode {
    const end = this.text.indexOf('?>', this.i + 2);
    if (end < 0) throw this.error('Unexpected end of file while parsing Processing Instruction has occurred.');
    const [, target = '', data = ''] = /^(\S+)\s*([\s\S]*)$/.exec(this.text.slice(this.i + 2, end)) ?? [];
    this.i = end + 2;
    return { type: 'pi', target, data };
  }

  private attributeValue(): string {
    const quote = this.text[this.i];
    if (quote !== '"' && quote !== "'") throw this.error(`'${quote ?? ''}' is an unexpected token. The expected token is '"' or '''.`);
    const end = this.text.indexOf(quote, this.i + 1);
    if (end < 0) throw this.error('Unexpected end of file.');
    const raw = this.text.slice(this.i + 1, end);
    if (raw.includes('<')) throw this.error("'<', hexadecimal value 0x3C, is an invalid attribute character.");
    this.i = end + 1;
    return this.decode(raw.replace(/[\t\n]/g, ' '));
  }

  private decode(raw: string): string {
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&\s]*);?/g, (match, entity: string) => {
      if (!match.endsWith(';')) throw this.error(`An error occurred while parsing EntityName.`);
      if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
      if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
      const value = ENTITIES[entity];
      if (value === undefined) throw this.error(`Reference to undeclared entity '${entity}'.`);
      return value;
    });
  }

  private resolve(qname: string, scope: ReadonlyMap<string, string>, isElement: boolean): RawName {
    const colon = qname.indexOf(':');
    if (colon < 0) return { namespace: isElement ? (scope.get('') ?? '') : '', local: qname };
    const prefix = qname.slice(0, colon);
    const namespace = scope.get(prefix);
    if (namespace === undefined) throw this.error(`'${prefix}' is an undeclared prefix.`);
    return { namespace, local: qname.slice(colon + 1) };
  }

  private name(): string {
    NAME.lastIndex = this.i;
    const match = NAME.exec(this.text);
    if (!match) throw this.error(`Name cannot begin with the '${this.text[this.i] ?? ''}' character.`);
    this.i += match[0].length;
    return match[0];
  }

  private skipSpace(): boolean {
    const start = this.i;
    while (this.i < this.text.length && ' \n\t\r'.includes(this.text[this.i]!)) this.i += 1;
    return this.i > start;
  }

  private position(index: number): [number, number] {
    const before = this.text.slice(0, index);
    return [before.split('\n').length, index - before.lastIndexOf('\n')];
  }

  private error(message: string): DotNetException {
    const [line, position] = this.position(this.i);
    return new DotNetException('XmlException', `${message} Line ${line}, position ${position}.`);
  }
}
