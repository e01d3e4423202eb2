/**
 * JSON → XML the way Newtonsoft's JsonConvert.DeserializeXmlNode does it:
 * object properties become elements, arrays repeated elements, `@name`
 * properties attributes, `#text` text, `#cdata-section` CDATA, null an empty
 * element; a document that is not one object with one property is wrapped in
 * `<Document>` (APIM's root for arrays and multi-property objects). Names that
 * are not XML names are encoded as XmlConvert.EncodeName does (`_x0020_`).
 */

export interface JsonToXmlOptions {
  /** Properties of an object under this name become attributes of the enclosing element. */
  readonly attributeBlockName?: string;
  /** `xmlns`-prefixed properties (`xmlns:a`) become namespace declarations. */
  readonly namespacePrefix?: string;
  /**
   * Property names `prefix{separator}name` become `prefix:name` — applied only
   * when namespace-prefix is set, so plain `first_name` keys stay intact with
   * the default `_` separator (APIM's exact rule is unverified).
   */
  readonly namespaceSeparator: string;
}

const NAME_START = /[A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;
const NAME_CHAR = /[-.0-9\u00B7\u0300-\u036F\u203F-\u2040A-Za-z_\u00C0-\u00D6\u00D8-\u00F6\u00F8-\u02FF\u0370-\u037D\u037F-\u1FFF\u200C-\u200D\u2070-\u218F\u2C00-\u2FEF\u3001-\uD7FF\uF900-\uFDCF\uFDF0-\uFFFD]/;

/** XmlConvert.EncodeName: characters not allowed in an XML name become `_xHHHH_`. */
export function encodeName(name: string): string {
  if (name === '') return '_x0000_';
  let out = '';
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    const allowed = i === 0 ? NAME_START.test(ch) : NAME_CHAR.test(ch) || ch === ':';
    const escapeLike = ch === '_' && /^_x[0-9A-Fa-f]{4}_/.test(name.slice(i));
    out += allowed && !escapeLike ? ch : `_x${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`;
  }
  return out;
}

const escapeText = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const escapeAttribute = (text: string): string => escapeText(text).replace(/"/g, '&quot;');

function scalar(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return String(value);
}

export function jsonToXml(json: unknown, options: JsonToXmlOptions): string {
  const single = json !== null && typeof json === 'object' && !Array.isArray(json) && Object.keys(json).filter((key) => !key.startsWith('?')).length === 1;
  if (single) {
    const [name, value] = Object.entries(json as Record<string, unknown>).find(([key]) => !key.startsWith('?'))!;
    if (!Array.isArray(value)) return element(name, value, options);
  }
  // A top-level array has no element name in JSON: its items become <Item>s under
  // the <Document> root so the result stays one well-formed document (unverified).
  return element('Document', Array.isArray(json) ? { Item: json } : json, options);
}

function qualified(name: string, options: JsonToXmlOptions): string {
  const separator = options.namespaceSeparator;
  if (options.namespacePrefix !== undefined && separator !== '' && separator !== ':' && name.includes(separator)) {
    const at = name.indexOf(separator);
    return `${encodeName(name.slice(0, at))}:${encodeName(name.slice(at + separator.length))}`;
  }
  return encodeName(name);
}

function element(name: string, value: unknown, options: JsonToXmlOptions): string {
  const tag = qualified(name, options);
  if (Array.isArray(value)) return value.map((item) => element(name, item, options)).join('');
  if (value === null || typeof value !== 'object') {
    const text = scalar(value);
    return text === '' ? `<${tag} />` : `<${tag}>${escapeText(text)}</${tag}>`;
  }
  let attributes = '';
  let content = '';
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key.startsWith('@')) attributes += ` ${qualified(key.slice(1), options)}="${escapeAttribute(scalar(child))}"`;
    else if (options.namespacePrefix !== undefined && (key === options.namespacePrefix || key.startsWith(`${options.namespacePrefix}:`))) attributes += ` ${key.replace(options.namespacePrefix, 'xmlns')}="${escapeAttribute(scalar(child))}"`;
    else if (options.attributeBlockName !== undefined && key === options.attributeBlockName && child !== null && typeof child === 'object' && !Array.isArray(child)) {
      for (const [attribute, attributeValue] of Object.entries(child as Record<string, unknown>)) attributes += ` ${qualified(attribute, options)}="${escapeAttribute(scalar(attributeValue))}"`;
    } else if (key === '#text') content += escapeText(scalar(child));
    else if (key === '#cdata-section') content += `<![CDATA[${scalar(child)}]]>`;
    else if (key.startsWith('?') || key.startsWith('#')) continue;
    else content += element(key, child, options);
  }
  return content === '' ? `<${tag}${attributes} />` : `<${tag}${attributes}>${content}</${tag}>`;
}
