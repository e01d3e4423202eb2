import { DotNetException } from '../../host.ts';
import { XName, XNamespace, toXName } from './names.ts';
import { XAttribute, XCData, XComment, XNode, XProcessingInstruction, XText, XmlNodeType, convertXmlValue, xmlText } from './nodes.ts';
import { parseXml, type RawNode } from './parser.ts';
import { writeXml } from './writer.ts';

/**
 * XContainer and XElement (XDocument is in document.ts). Content follows LINQ to XML: strings
 * and other values become text (adjacent text merges), nodes that already
 * have a parent are copied, enumerables add each item, null is ignored.
 */

export const LOAD_PRESERVE_WHITESPACE = new Set<unknown>(['PreserveWhitespace', 1]);
export const SAVE_DISABLE_FORMATTING = new Set<unknown>(['DisableFormatting', 1]);

/** A LoadOptions/SaveOptions argument by name, whether the runtime passed a name or an enum object. */
export function enumName(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'name' in value ? (value as { name: unknown }).name : value;
}

function matches(name: unknown): (element: XElement) => boolean {
  if (name === undefined) return () => true;
  if (name === null) return () => false;
  const wanted = toXName(name);
  return (element) => element.Name === wanted;
}

export abstract class XContainer extends XNode {
  protected readonly nodes: XNode[] = [];

  nodeList(): readonly XNode[] {
    return this.nodes;
  }

  get FirstNode(): XNode | null {
    return this.nodes[0] ?? null;
  }

  get LastNode(): XNode | null {
    return this.nodes.at(-1) ?? null;
  }

  Nodes(): XNode[] {
    return this.nodes.slice();
  }

  DescendantNodes(): XNode[] {
    return this.nodes.flatMap((node) => (node instanceof XContainer ? [node, ...node.DescendantNodes()] : [node]));
  }

  Elements(name?: unknown): XElement[] {
    const test = matches(name);
    return this.nodes.filter((n): n is XElement => n instanceof XElement && test(n));
  }

  Element(name: unknown): XElement | null {
    const test = matches(name);
    return (this.nodes.find((n) => n instanceof XElement && test(n)) as XElement | undefined) ?? null;
  }

  Descendants(name?: unknown): XElement[] {
    const test = matches(name);
    return this.DescendantNodes().filter((n): n is XElement => n instanceof XElement && test(n));
  }

  Add(...content: unknown[]): void {
    this.insertContent(this.nodes.length, content);
  }

  AddFirst(...content: unknown[]): void {
    this.insertContent(0, content);
  }

  RemoveNodes(): void {
    for (const node of this.nodes) node.parentContainer = null;
    this.nodes.length = 0;
  }

  ReplaceNodes(...content: unknown[]): void {
    this.RemoveNodes();
    this.Add(...content);
  }

  removeNode(node: XNode): void {
    const index = this.nodes.indexOf(node);
    if (index >= 0) this.nodes.splice(index, 1);
    node.parentContainer = null;
  }

  /** Inserts content at a node index; attributes go to the element's attribute list. */
  insertContent(index: number, content: readonly unknown[]): void {
    let at = index;
    for (const item of content) {
      if (item === null || item === undefined) continue;
      if (item instanceof XAttribute) {
        this.addAttribute(item);
      } else if (item instanceof XNode) {
        const node = item.parentContainer ? item.clone() : item;
        this.validateNode(node);
        node.parentContainer = this;
        this.nodes.splice(at++, 0, node);
      } else if (typeof item === 'object' && Symbol.iterator in item && !(item instanceof Uint8Array)) {
        const before = this.nodes.length;
        this.insertContent(at, [...(item as Iterable<unknown>)]);
        at += this.nodes.length - before;
      } else {
        const text = xmlText(item);
        if (!text) continue;
        const previous = this.nodes[at - 1];
        if (previous?.NodeType === 'Text') (previous as XText).Value += text;
        else {
          const node = new XText(text);
          node.parentContainer = this;
          this.nodes.splice(at++, 0, node);
        }
      }
    }
  }

  protected addAttribute(attribute: XAttribute): void {
    throw new DotNetException('ArgumentException', `An attribute cannot be added to content. (${attribute.Name.ToString()})`);
  }

  protected validateNode(node: XNode): void {
    // by node type: document.ts builds on this module, so XDocument is not imported here
    if (node.NodeType === XmlNodeType.Document) throw new DotNetException('ArgumentException', 'A node of type Document cannot be added to content.');
  }
}

export class XElement extends XContainer {
  #name: XName;
  readonly #attributes: XAttribute[] = [];
  /** True until content is set: `<a />` rather than `<a></a>`. */
  #empty = true;

  /** `new XElement(name, content…)` or a deep copy of another element. */
  constructor(name: unknown, ...content: unknown[]) {
    super();
    if (name instanceof XElement) {
      this.#name = name.#name;
      for (const attribute of name.#attributes) this.addAttribute(new XAttribute(attribute));
      this.Add(...name.nodes.map((n) => n.clone()));
      this.#empty = name.#empty;
      return;
    }
    this.#name = toXName(name);
    this.Add(...content);
  }

  static Parse(text: string, options?: unknown): XElement {
    const document = parseXml(text, LOAD_PRESERVE_WHITESPACE.has(enumName(options)));
    return fromRaw(document.nodes.find((n) => n.type === 'element')!) as XElement;
  }

  get NodeType(): string {
    return XmlNodeType.Element;
  }

  get Name(): XName {
    return this.#name;
  }

  set Name(name: unknown) {
    this.#name = toXName(name);
  }

  get IsEmpty(): boolean {
    return this.#empty && this.nodes.length === 0;
  }

  get HasElements(): boolean {
    return this.nodes.some((n) => n instanceof XElement);
  }

  get HasAttributes(): boolean {
    return this.#attributes.length > 0;
  }

  get FirstAttribute(): XAttribute | null {
    return this.#attributes[0] ?? null;
  }

  get LastAttribute(): XAttribute | null {
    return this.#attributes.at(-1) ?? null;
  }

  /** The concatenated text of all descendant text and CDATA nodes. */
  get Value(): string {
    return this.DescendantNodes()
      .filter((n): n is XText => n instanceof XText)
      .map((n) => n.Value)
      .join('');
  }

  set Value(value: unknown) {
    this.RemoveNodes();
    this.#empty = false;
    const text = xmlText(value);
    if (text) this.Add(text);
  }

  SetValue(value: unknown): void {
    if (value === null || value === undefined) throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'value')");
    this.Value = value;
  }

  attributeList(): readonly XAttribute[] {
    return this.#attributes;
  }

  Attribute(name: unknown): XAttribute | null {
    const wanted = toXName(name);
    return this.#attributes.find((a) => a.Name === wanted) ?? null;
  }

  Attributes(name?: unknown): XAttribute[] {
    if (name === undefined) return this.#attributes.slice();
    const wanted = toXName(name);
    return this.#attributes.filter((a) => a.Name === wanted);
  }

  SetAttributeValue(name: unknown, value: unknown): void {
    const existing = this.Attribute(name);
    if (value === null || value === undefined) {
      if (existing) this.removeAttribute(existing);
    } else if (existing) existing.Value = value;
    else this.addAttribute(new XAttribute(name, value));
  }

  SetElementValue(name: unknown, value: unknown): void {
    const existing = this.Element(name);
    if (value === null || value === undefined) existing?.Remove();
    else if (existing) existing.Value = value;
    else this.Add(new XElement(name, value));
  }

  RemoveAttributes(): void {
    for (const attribute of this.#attributes) attribute.parentContainer = null;
    this.#attributes.length = 0;
  }

  RemoveAll(): void {
    this.RemoveAttributes();
    this.RemoveNodes();
  }

  ReplaceAll(...content: unknown[]): void {
    this.RemoveAll();
    this.Add(...content);
  }

  ReplaceAttributes(...content: unknown[]): void {
    this.RemoveAttributes();
    this.Add(...content);
  }

  override Add(...content: unknown[]): void {
    if (content.some((c) => c !== null && c !== undefined && !(c instanceof XAttribute))) this.#empty = false;
    super.Add(...content);
  }

  DescendantsAndSelf(name?: unknown): XElement[] {
    return [this, ...this.Descendants()].filter(matches(name));
  }

  AncestorsAndSelf(name?: unknown): XElement[] {
    return [this, ...this.Ancestors()].filter(matches(name));
  }

  DescendantNodesAndSelf(): XNode[] {
    return [this, ...this.DescendantNodes()];
  }

  GetDefaultNamespace(): XNamespace {
    return this.GetNamespaceOfPrefix('') ?? XNamespace.None;
  }

  GetNamespaceOfPrefix(prefix: string): XNamespace | null {
    for (let element: XElement | null = this; element; element = element.Parent) {
      const declaration = element.#attributes.find((a) => a.IsNamespaceDeclaration && (prefix === '' ? a.Name.LocalName === 'xmlns' && !a.Name.NamespaceName : a.Name.LocalName === prefix && a.Name.NamespaceName !== ''));
      if (declaration) return XNamespace.Get(declaration.Value);
    }
    return prefix === 'xml' ? XNamespace.Xml : null;
  }

  GetPrefixOfNamespace(namespace: unknown): string | null {
    const uri = namespace instanceof XNamespace ? namespace.NamespaceName : String(namespace);
    for (let element: XElement | null = this; element; element = element.Parent) {
      const declaration = element.#attributes.find((a) => a.IsNamespaceDeclaration && a.Name.NamespaceName !== '' && a.Value === uri);
      if (declaration) return declaration.Name.LocalName;
    }
    return null;
  }

  op_Explicit(typeName: string): unknown {
    return convertXmlValue(this.Value, typeName);
  }

  /** Indented as .NET's XmlWriter does it (two spaces, none inside mixed content); `SaveOptions.DisableFormatting` writes it as is. */
  ToString(options?: unknown): string {
    return writeXml(this, !SAVE_DISABLE_FORMATTING.has(enumName(options)));
  }

  override toString(): string {
    return this.ToString();
  }

  clone(): XElement {
    return new XElement(this);
  }

  removeAttribute(attribute: XAttribute): void {
    const index = this.#attributes.indexOf(attribute);
    if (index >= 0) this.#attributes.splice(index, 1);
    attribute.parentContainer = null;
  }

  protected override addAttribute(attribute: XAttribute): void {
    if (this.Attribute(attribute.Name)) throw new DotNetException('InvalidOperationException', 'Duplicate attribute.');
    const item = attribute.parentContainer ? new XAttribute(attribute) : attribute;
    item.parentContainer = this;
    this.#attributes.push(item);
  }
}

/** Builds XLinq nodes from the parser's tree. */
export function fromRaw(node: RawNode): XNode {
  switch (node.type) {
    case 'element': {
      const element = new XElement(XNamespace.Get(node.name.namespace).GetName(node.name.local));
      for (const attribute of node.attributes) element.Add(new XAttribute(XNamespace.Get(attribute.namespace).GetName(attribute.local), attribute.value));
      if (!node.selfClosing) element.Value = '';
      element.Add(...node.children.map(fromRaw));
      return element;
    }
    case 'text':
      return new XText(node.value);
    case 'cdata':
      return new XCData(node.value);
    case 'comment':
      return new XComment(node.value);
    case 'pi':
      return new XProcessingInstruction(node.target, node.data);
  }
}
