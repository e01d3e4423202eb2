import type { XElement } from './container.ts';
import type { XAttribute, XNode, XProcessingInstruction, XText } from './nodes.ts';
import { escapeAttribute, escapeText } from './nodes.ts';

/**
 * XML text as XElement.ToString() writes it through XmlWriter: two-space
 * indentation; once text appears inside an element, nothing more inside it
 * is indented; `<a />` for empty elements, `<a></a>` for empty content;
 * namespace prefixes from the declarations in scope (ancestors outside the
 * written subtree included), declaring what the output lacks. Lines end in
 * "\n" as on the Linux self-hosted gateway.
 */
export function writeXml(node: XNode, indent: boolean): string {
  const writer = new Writer(indent);
  writer.node(node, 0, false, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]));
  return writer.out;
}

type Scope = ReadonlyMap<string, string>;

class Writer {
  out = '';
  private readonly indent: boolean;
  constructor(indent: boolean) {
    this.indent = indent;
  }

  node(node: XNode, depth: number, mixed: boolean, scope: Scope): void {
    switch (node.NodeType) {
      case 'Element':
        return this.element(node as XElement, depth, mixed, scope);
      case 'Text':
        this.out += escapeText((node as XText).Value);
        return;
      case 'CDATA':
        this.newLine(depth, mixed);
        this.out += `<![CDATA[${(node as XText).Value.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
        return;
      case 'Comment':
        this.newLine(depth, mixed);
        this.out += `<!--${(node as unknown as { Value: string }).Value}-->`;
        return;
      case 'ProcessingInstruction': {
        const pi = node as XProcessingInstruction;
        this.newLine(depth, mixed);
        this.out += `<?${pi.Target}${pi.Data ? ` ${pi.Data}` : ''}?>`;
        return;
      }
      case 'DocumentType':
        this.newLine(depth, mixed);
        this.out += (node as unknown as { text: string }).text;
    }
  }

  private newLine(depth: number, mixed: boolean): void {
    if (this.indent && !mixed && this.out !== '') this.out += `\n${'  '.repeat(depth)}`;
  }

  private element(element: XElement, depth: number, mixed: boolean, outer: Scope): void {
    const scope = new Map(outer);
    const attributes = element.attributeList();
    for (const attribute of attributes) if (attribute.IsNamespaceDeclaration) scope.set(declaredPrefix(attribute), attribute.Value);
    const declarations: string[] = [];
    const declare = (prefix: string, uri: string): void => {
      scope.set(prefix, uri);
      declarations.push(` ${prefix ? `xmlns:${prefix}` : 'xmlns'}="${escapeAttribute(uri)}"`);
    };
    const namespace = element.Name.NamespaceName;
    let prefix = '';
    if (!namespace) {
      if (scope.get('')) declare('', '');
    } else {
      const found = prefixIn(scope, namespace, true) ?? element.GetPrefixOfNamespace(namespace);
      if (found === null) declare('', namespace);
      else {
        prefix = found;
        if (scope.get(found) !== namespace) declare(found, namespace);
      }
    }
    let generated = 0;
    const attributeText = attributes.map((attribute) => {
      if (attribute.IsNamespaceDeclaration) return ` ${attribute.ToString()}`;
      const uri = attribute.Name.NamespaceName;
      if (!uri) return ` ${attribute.Name.LocalName}="${escapeAttribute(attribute.Value)}"`;
      let attributePrefix = prefixIn(scope, uri, false) ?? element.GetPrefixOfNamespace(uri);
      if (attributePrefix === null) {
        do attributePrefix = `p${++generated}`;
        while (scope.has(attributePrefix));
        declare(attributePrefix, uri);
      } else if (scope.get(attributePrefix) !== uri) declare(attributePrefix, uri);
      return ` ${attributePrefix}:${attribute.Name.LocalName}="${escapeAttribute(attribute.Value)}"`;
    });
    const qname = prefix ? `${prefix}:${element.Name.LocalName}` : element.Name.LocalName;
    this.newLine(depth, mixed);
    this.out += `<${qname}${attributeText.join('')}${declarations.join('')}`;
    if (element.IsEmpty) {
      this.out += ' />';
      return;
    }
    this.out += '>';
    let childMixed = mixed;
    const children = element.nodeList();
    for (const child of children) {
      if (child.NodeType === 'Text') childMixed = true;
      this.node(child, depth + 1, childMixed, scope);
    }
    if (children.length > 0) this.newLine(depth, childMixed);
    this.out += `</${qname}>`;
  }
}

function declaredPrefix(attribute: XAttribute): string {
  return attribute.Name.NamespaceName ? attribute.Name.LocalName : '';
}

/** The innermost prefix bound to `uri` in the output; the default namespace only for elements. */
function prefixIn(scope: Scope, uri: string, allowDefault: boolean): string | null {
  let found: string | null = null;
  for (const [prefix, bound] of scope) if (bound === uri && (allowDefault || prefix !== '')) found = prefix;
  return found;
}
