/** System.Xml.Linq.XDocument: an optional declaration and doctype, at most one root element, no text. */
import { DotNetException } from '../../host.ts';
import { LOAD_PRESERVE_WHITESPACE, SAVE_DISABLE_FORMATTING, XContainer, XElement, enumName, fromRaw } from './container.ts';
import { XDeclaration, XDocumentType, XNode, XText, XmlNodeType } from './nodes.ts';
import { parseXml } from './parser.ts';
import { writeXml } from './writer.ts';

export class XDocument extends XContainer {
  Declaration: XDeclaration | null = null;

  /** `new XDocument(content…)`, `new XDocument(declaration, content…)` or a copy. */
  constructor(...content: unknown[]) {
    super();
    if (content.length === 1 && content[0] instanceof XDocument) {
      const other = content[0];
      this.Declaration = other.Declaration && new XDeclaration(other.Declaration);
      this.Add(...other.nodes.map((n) => n.clone()));
      return;
    }
    if (content[0] instanceof XDeclaration) this.Declaration = content.shift() as XDeclaration;
    this.Add(...content);
  }

  static Parse(text: string, options?: unknown): XDocument {
    const raw = parseXml(text, LOAD_PRESERVE_WHITESPACE.has(enumName(options)));
    const document = new XDocument();
    if (raw.declaration) document.Declaration = new XDeclaration(raw.declaration.version, raw.declaration.encoding, raw.declaration.standalone);
    if (raw.doctype) document.Add(new XDocumentType(raw.doctype));
    document.Add(...raw.nodes.map(fromRaw));
    return document;
  }

  get NodeType(): string {
    return XmlNodeType.Document;
  }

  get Root(): XElement | null {
    return (this.nodes.find((n) => n instanceof XElement) as XElement | undefined) ?? null;
  }

  get DocumentType(): XDocumentType | null {
    return (this.nodes.find((n) => n instanceof XDocumentType) as XDocumentType | undefined) ?? null;
  }

  /** The nodes without the declaration, as XDocument.ToString() prints them. */
  ToString(options?: unknown): string {
    const indent = !SAVE_DISABLE_FORMATTING.has(enumName(options));
    return this.nodes.map((node) => writeXml(node, indent)).join(indent ? '\n' : '');
  }

  override toString(): string {
    return this.ToString();
  }

  clone(): XDocument {
    return new XDocument(this);
  }

  protected override validateNode(node: XNode): void {
    super.validateNode(node);
    if (node instanceof XText && /\S/.test(node.Value)) throw new DotNetException('ArgumentException', 'Non-whitespace characters cannot be added to content.');
    if (node instanceof XElement && this.Root) throw new DotNetException('InvalidOperationException', 'This operation would create an incorrectly structured document.');
  }
}
