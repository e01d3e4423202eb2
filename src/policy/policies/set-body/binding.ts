import { XMLParser } from 'fast-xml-parser';
import type { RequestContext } from '../../context/request-context.ts';

/**
 * What a Liquid template of set-body sees (APIM-REFERENCE §4): `body` bound
 * only when the message's Content-Type is JSON (`application/json`,
 * `text/json`, `*+json`) or XML (`application/xml`, `text/xml`, `*+xml`), and
 * `context` with the documented members.
 */

export type XsiNil = 'blank' | 'null';

const JSON_TYPE = /^(?:application\/json|text\/json|[^/;\s]+\/[^;\s]*\+json)\s*(?:;|$)/i;
const XML_TYPE = /^(?:application\/xml|text\/xml|[^/;\s]+\/[^;\s]*\+xml)\s*(?:;|$)/i;

const XML = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', textNodeName: '#text', parseTagValue: false, parseAttributeValue: false, trimValues: true, preserveOrder: true, ignoreDeclaration: true, ignorePiTags: true });

export function bindBody(contentType: string | undefined, text: string, xsiNil: XsiNil): unknown {
  if (contentType === undefined || text.trim() === '') return undefined;
  if (JSON_TYPE.test(contentType)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  if (XML_TYPE.test(contentType)) {
    try {
      return fromOrdered(XML.parse(text) as OrderedNode[], xsiNil);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/**
 * Elements become objects keyed by name (local name, and the prefixed name
 * too when there is one), repeated elements arrays, text-only elements
 * strings; attributes appear as `@name`. `xsi:nil="true"` elements are
 * left out (blank) or null.
 */
function fromOrdered(nodes: readonly OrderedNode[], xsiNil: XsiNil): Record<string, unknown> | string {
  const result: Record<string, unknown> = {};
  let text = '';
  let hasElements = false;
  const repeated = new Set<string>();
  for (const node of nodes) {
    const name = Object.keys(node).find((key) => key !== ':@')!;
    if (name === '#text') {
      text += String(node[name]);
      continue;
    }
    if (name.startsWith('?') || name === '#comment') continue;
    hasElements = true;
    const attributes = node[':@'] ?? {};
    const nil = Object.entries(attributes).some(([key, value]) => /^@(?:\w+:)?nil$/.test(key) && value === 'true');
    if (nil && xsiNil === 'blank') continue;
    let value: unknown = nil ? null : fromOrdered(node[name] as OrderedNode[], xsiNil);
    const visible = Object.entries(attributes).filter(([key]) => !key.startsWith('@xmlns'));
    if (!nil && visible.length > 0) {
      value = typeof value === 'string' ? (value === '' ? {} : { '#text': value }) : value;
      for (const [key, attribute] of visible) (value as Record<string, unknown>)[key] = attribute;
    }
    const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    for (const key of local === name ? [name] : [local, name]) {
      if (!(key in result)) result[key] = value;
      else if (repeated.has(key)) (result[key] as unknown[]).push(value);
      else {
        result[key] = [result[key], value];
        repeated.add(key);
      }
    }
  }
  return hasElements ? result : text;
}

/** `context` for Liquid: the documented members only. */
export function liquidContext(context: RequestContext): Record<string, unknown> {
  const { request, response } = context;
  return {
    Request: {
      Url: request.url,
      Method: request.method,
      OriginalMethod: request.originalMethod,
      OriginalUrl: request.originalUrl,
      IpAddress: request.ipAddress,
      MatchedParameters: request.matchedParameters,
      HasBody: request.body !== null,
      ClientCertificates: [],
      Headers: request.headers,
    },
    // Not in Learn's list, but real policies read variables from Liquid (context.Variables["name"]).
    Variables: context.variables,
    Response: {
      StatusCode: response.statusCode,
      Method: request.method,
      Headers: response.headers,
    },
  };
}
