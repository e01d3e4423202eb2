import { XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * XML → JSON the way Newtonsoft's JsonConvert.SerializeXmlNode does it
 * (`direct`): the root element is the top property, attributes become
 * `@name`, text beside attributes or elements `#text`, CDATA
 * `#cdata-section`, repeated siblings arrays, empty elements null, every value
 * a string, the XML declaration `?xml`. `javascript-friendly` (APIM's own
 * flavour, undocumented in detail — approximated): no declaration, no xmlns
 * attributes, namespace prefixes dropped, attributes without `@`.
 */

export type XmlToJsonKind = 'direct' | 'javascript-friendly';

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const PARSER = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: '#text',
  cdataPropName: '#cdata-section',
  commentPropName: '#comment',
  preserveOrder: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  ignoreDeclaration: false,
  processEntities: true,
});

export interface XmlToJsonOptions {
  readonly kind: XmlToJsonKind;
  readonly alwaysArrayChildElements: boolean;
}

export function xmlToJson(xml: string, options: XmlToJsonOptions): unknown {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${valid.err.msg} (line ${valid.err.line})`);
  const nodes = PARSER.parse(xml) as OrderedNode[];
  const result: Record<string, unknown> = {};
  for (const node of nodes) {
    const name = nodeName(node);
    if (name === '?xml') {
      if (options.kind === 'direct') result['?xml'] = attributesOf(node, options, true);
      continue;
    }
    if (name === '#comment' || name === '#text' || name.startsWith('?')) continue;
    result[elementName(name, options)] = elementValue(node, options);
  }
  return result;
}

function nodeName(node: OrderedNode): string {
  return Object.keys(node).find((key) => key !== ':@')!;
}

function elementName(name: string, options: XmlToJsonOptions): string {
  return options.kind === 'javascript-friendly' && name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
}

function attributesOf(node: OrderedNode, options: XmlToJsonOptions, declaration = false): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(node[':@'] ?? {})) {
    if (options.kind === 'javascript-friendly' && !declaration && (name === 'xmlns' || name.startsWith('xmlns:'))) continue;
    out[options.kind === 'direct' || declaration ? `@${name}` : elementName(name, options)] = String(value);
  }
  return out;
}

function elementValue(node: OrderedNode, options: XmlToJsonOptions): unknown {
  const name = nodeName(node);
  const children = node[name] as OrderedNode[];
  const out: Record<string, unknown> = attributesOf(node, options);
  const hasAttributes = Object.keys(out).length > 0;
  const texts: string[] = [];
  const cdata: string[] = [];
  const elements = new Map<string, unknown[]>();
  for (const child of children) {
    const childName = nodeName(child);
    if (childName === '#text') texts.push(String(child[childName]));
    else if (childName === '#cdata-section') cdata.push(((child[childName] as OrderedNode[])[0]?.['#text'] as string | undefined) ?? '');
    else if (childName !== '#comment' && !childName.startsWith('?')) {
      const key = elementName(childName, options);
      const list = elements.get(key);
      if (list) list.push(elementValue(child, options));
      else elements.set(key, [elementValue(child, options)]);
    }
  }
  if (!hasAttributes && elements.size === 0 && cdata.length === 0) {
    if (texts.length === 0) return null;
    if (texts.length === 1) return texts[0];
  }
  if (texts.length > 0) out['#text'] = texts.length === 1 ? texts[0] : texts;
  if (cdata.length > 0) out['#cdata-section'] = cdata.length === 1 ? cdata[0] : cdata;
  for (const [key, values] of elements) out[key] = values.length === 1 && !options.alwaysArrayChildElements ? values[0] : values;
  return out;
}
