import { DotNetException } from '../../host.ts';
import { DateTimeStatics } from '../../runtime/datetime.ts';
import { formatDouble, formatNumber } from '../format.ts';
import type { XContainer, XElement } from './container.ts';
import { XName, toXName } from './names.ts';

/** System.Xml.XmlNodeType, by name. */
export const XmlNodeType = {
  None: 'None', Element: 'Element', Attribute: 'Attribute', Text: 'Text', CDATA: 'CDATA', EntityReference: 'EntityReference',
  Entity: 'Entity', ProcessingInstruction: 'ProcessingInstruction', Comment: 'Comment', Document: 'Document',
  DocumentType: 'DocumentType', DocumentFragment: 'DocumentFragment', Notation: 'Notation', Whitespace: 'Whitespace',
  SignificantWhitespace: 'SignificantWhitespace', EndElement: 'EndElement', EndEntity: 'EndEntity', XmlDeclaration: 'XmlDeclaration',
} as const;

/** How LINQ to XML turns content values into text (XmlConvert): booleans lower-case, numbers invariant. */
export function xmlText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return Number.isInteger(value) ? formatNumber(value) : formatDouble(value);
  if (value instanceof XName) return value.ToString();
  if (value !== null && typeof value === 'object' && 'ToString' in value && typeof value.ToString === 'function') {
    return 'Ticks' in value ? (value.ToString as (f: string) => string)('o') : String(value.ToString());
  }
  return String(value);
}

const XML_INTEGER = /^\s*[+-]?\d+\s*$/;
const XML_FLOAT = /^\s*(?:[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|-?INF|NaN)\s*$/;

/** `(int)element`, `(bool)attribute` …: XmlConvert's parsing rules. */
export function convertXmlValue(text: string, typeName: string): unknown {
  const target = typeName.replace(/\?$/, '');
  const fail = (clr: string): never => {
    throw new DotNetException('FormatException', `The string '${text}' is not a valid ${clr} value.`);
  };
  switch (target) {
    case 'string':
      return text;
    case 'bool': {
      const t = text.trim();
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      return fail('Boolean');
    }
    case 'int':
    case 'long':
    case 'short':
    case 'byte':
    case 'uint':
    case 'ulong':
      return XML_INTEGER.test(text) ? Number(text.trim()) : fail({ int: 'Int32', long: 'Int64', short: 'Int16', byte: 'Byte', uint: 'UInt32', ulong: 'UInt64' }[target]);
    case 'double':
    case 'float':
    case 'decimal': {
      if (!XML_FLOAT.test(text) || (target === 'decimal' && /INF|NaN|[eE]/.test(text))) return fail(target === 'decimal' ? 'Decimal' : target === 'float' ? 'Single' : 'Double');
      const t = text.trim();
      return t === 'INF' ? Infinity : t === '-INF' ? -Infinity : Number(t);
    }
    case 'DateTime':
      return DateTimeStatics.Parse(text.trim());
  }
  throw new DotNetException('InvalidCastException', `Unable to cast to '${typeName}'.`);
}

export abstract class XObject {
  /** Set by the container that holds this object. */
  parentContainer: XContainer | null = null;

  abstract get NodeType(): string;

  get Parent(): XElement | null {
    const parent = this.parentContainer;
    return parent && parent.NodeType === 'Element' ? (parent as XElement) : null;
  }

  get Document(): XContainer | null {
    let container = this.parentContainer;
    while (container?.parentContainer) container = container.parentContainer;
    return container?.NodeType === 'Document' ? container : null;
  }
}

export abstract class XNode extends XObject {
  abstract clone(): XNode;

  get NextNode(): XNode | null {
    const siblings = this.parentContainer?.nodeList() ?? [];
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }

  get PreviousNode(): XNode | null {
    const siblings = this.parentContainer?.nodeList() ?? [];
    return siblings[siblings.indexOf(this) - 1] ?? null;
  }

  Ancestors(name?: unknown): XElement[] {
    const result: XElement[] = [];
    const wanted = name === undefined ? null : toXName(name);
    for (let element = this.Parent; element; element = element.Parent) if (!wanted || element.Name === wanted) result.push(element);
    return result;
  }

  ElementsAfterSelf(name?: unknown): XElement[] {
    return this.siblings(1).filter((n): n is XElement => n.NodeType === 'Element' && (name === undefined || (n as XElement).Name === toXName(name)));
  }

  ElementsBeforeSelf(name?: unknown): XElement[] {
    return this.siblings(-1).filter((n): n is XElement => n.NodeType === 'Element' && (name === undefined || (n as XElement).Name === toXName(name)));
  }

  NodesAfterSelf(): XNode[] {
    return this.siblings(1);
  }

  NodesBeforeSelf(): XNode[] {
    return this.siblings(-1);
  }

  Remove(): void {
    this.requireParent().removeNode(this);
  }

  ReplaceWith(...content: unknown[]): void {
    const parent = this.requireParent();
    const index = parent.nodeList().indexOf(this);
    parent.removeNode(this);
    parent.insertContent(index, content);
  }

  AddAfterSelf(...content: unknown[]): void {
    const parent = this.requireParent();
    parent.insertContent(parent.nodeList().indexOf(this) + 1, content);
  }

  AddBeforeSelf(...content: unknown[]): void {
    const parent = this.requireParent();
    parent.insertContent(parent.nodeList().indexOf(this), content);
  }

  private siblings(direction: 1 | -1): XNode[] {
    const all = this.parentContainer?.nodeList() ?? [];
    const index = all.indexOf(this);
    return direction === 1 ? all.slice(index + 1) : all.slice(0, index);
  }

  private requireParent(): XContainer {
    if (!this.parentContainer) throw new DotNetException('InvalidOperationException', 'The parent is missing.');
    return this.parentContainer;
  }
}

export class XText extends XNode {
  Value: string;
  constructor(value: unknown) {
    super();
    this.Value = value instanceof XText ? value.Value : xmlText(value);
  }
  get NodeType(): string {
    return XmlNodeType.Text;
  }
  clone(): XText {
    return new XText(this.Value);
  }
}

export class XCData extends XText {
  override get NodeType(): string {
    return XmlNodeType.CDATA;
  }
  override clone(): XCData {
    return new XCData(this.Value);
  }
}

export class XComment extends XNode {
  Value: string;
  constructor(value: unknown) {
    super();
    this.Value = value instanceof XComment ? value.Value : String(value);
  }
  get NodeType(): string {
    return XmlNodeType.Comment;
  }
  clone(): XComment {
    return new XComment(this.Value);
  }
}

export class XProcessingInstruction extends XNode {
  Target: string;
  Data: string;
  constructor(target: string | XProcessingInstruction, data = '') {
    super();
    this.Target = target instanceof XProcessingInstruction ? target.Target : target;
    this.Data = target instanceof XProcessingInstruction ? target.Data : data;
  }
  get NodeType(): string {
    return XmlNodeType.ProcessingInstruction;
  }
  clone(): XProcessingInstruction {
    return new XProcessingInstruction(this);
  }
}

export class XDocumentType extends XNode {
  readonly text: string;
  constructor(text: string) {
    super();
    this.text = text;
  }
  get NodeType(): string {
    return XmlNodeType.DocumentType;
  }
  get Name(): string {
    return /^<!DOCTYPE\s+(\S+)/.exec(this.text)?.[1]?.replace(/[[>]$/, '') ?? '';
  }
  clone(): XDocumentType {
    return new XDocumentType(this.text);
  }
}

export class XAttribute extends XObject {
  readonly Name: XName;
  #value: string;

  /** `new XAttribute(name, value)` or a copy of another attribute. */
  constructor(name: unknown, value?: unknown) {
    super();
    if (name instanceof XAttribute) {
      this.Name = name.Name;
      this.#value = name.#value;
      return;
    }
    if (value === null || value === undefined) throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'value')");
    this.Name = toXName(name);
    this.#value = xmlText(value);
  }

  get NodeType(): string {
    return XmlNodeType.Attribute;
  }

  get Value(): string {
    return this.#value;
  }

  set Value(value: unknown) {
    this.#value = xmlText(value);
  }

  get IsNamespaceDeclaration(): boolean {
    return this.Name.NamespaceName === 'http://www.w3.org/2000/xmlns/' || (this.Name.NamespaceName === '' && this.Name.LocalName === 'xmlns');
  }

  get NextAttribute(): XAttribute | null {
    const all = this.Parent?.attributeList() ?? [];
    return all[all.indexOf(this) + 1] ?? null;
  }

  get PreviousAttribute(): XAttribute | null {
    const all = this.Parent?.attributeList() ?? [];
    return all[all.indexOf(this) - 1] ?? null;
  }

  SetValue(value: unknown): void {
    this.Value = value;
  }

  Remove(): void {
    const parent = this.Parent;
    if (!parent) throw new DotNetException('InvalidOperationException', 'The parent is missing.');
    parent.removeAttribute(this);
  }

  op_Explicit(typeName: string): unknown {
    return convertXmlValue(this.#value, typeName);
  }

  /** `name="value"` with the value escaped. */
  ToString(): string {
    const name = this.IsNamespaceDeclaration ? (this.Name.LocalName === 'xmlns' && !this.Name.NamespaceName ? 'xmlns' : `xmlns:${this.Name.LocalName}`) : this.Name.LocalName;
    return `${name}="${escapeAttribute(this.#value)}"`;
  }
}

export class XDeclaration {
  Version: string | null;
  Encoding: string | null;
  Standalone: string | null;
  constructor(version: string | null | XDeclaration, encoding?: string | null, standalone?: string | null) {
    if (version instanceof XDeclaration) {
      this.Version = version.Version;
      this.Encoding = version.Encoding;
      this.Standalone = version.Standalone;
      return;
    }
    this.Version = version;
    this.Encoding = encoding ?? null;
    this.Standalone = standalone ?? null;
  }

  ToString(): string {
    const parts = [`version="${this.Version ?? ''}"`];
    if (this.Encoding) parts.push(`encoding="${this.Encoding}"`);
    if (this.Standalone) parts.push(`standalone="${this.Standalone}"`);
    return `<?xml ${parts.join(' ')}?>`;
  }
}

export function escapeText(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttribute(text: string): string {
  return text.replace(/[&<>"\t\n\r]/g, (c) => ATTRIBUTE_ESCAPES[c]!);
}

const ATTRIBUTE_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#x9;', '\n': '&#xA;', '\r': '&#xD;' };
