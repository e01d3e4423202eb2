/**
 * A rewrite-uri template (`/v2/orders/{id}?expand={expand}&fixed=1`) split
 * once into literal text and `{parameter}` slots, so a request only fills
 * slots in.
 */

type Part = { literal: string } | { parameter: string };

export interface UriTemplate {
  readonly path: readonly Part[];
  readonly query: readonly { readonly name: string; readonly value: readonly Part[] }[];
}

export function parseUriTemplate(template: string): UriTemplate {
  const questionMark = template.indexOf('?');
  const pathText = questionMark < 0 ? template : template.slice(0, questionMark);
  const queryText = questionMark < 0 ? '' : template.slice(questionMark + 1);
  const path = parts(pathText.startsWith('/') ? pathText : `/${pathText}`);
  const query = queryText.split('&').filter((pair) => pair !== '').map((pair) => {
    const equals = pair.indexOf('=');
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    return { name, value: parts(equals < 0 ? '' : pair.slice(equals + 1), true) };
  });
  return { path, query };
}

function parts(text: string, decodeLiterals = false): Part[] {
  const result: Part[] = [];
  let position = 0;
  for (const match of text.matchAll(/\{([^{}]+)\}/g)) {
    if (match.index > position) result.push(literal(text.slice(position, match.index), decodeLiterals));
    result.push({ parameter: match[1]! });
    position = match.index + match[0].length;
  }
  if (position < text.length) result.push(literal(text.slice(position), decodeLiterals));
  return result;
}

function literal(text: string, decodeLiterals: boolean): Part {
  return { literal: decodeLiterals ? decode(text) : text };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replaceAll('+', ' '));
  } catch {
    return text;
  }
}

export function fill(parts: readonly Part[], lookup: (name: string) => string | undefined): string {
  let text = '';
  for (const part of parts) text += 'literal' in part ? part.literal : (lookup(part.parameter) ?? '');
  return text;
}

/** The query parameter names an operation's urlTemplate matches on (`/get?a={b}` → `a`), lower-cased. */
export function templateQueryNames(urlTemplate: string): ReadonlySet<string> {
  const questionMark = urlTemplate.indexOf('?');
  if (questionMark < 0) return new Set();
  const names = new Set<string>();
  for (const pair of urlTemplate.slice(questionMark + 1).split('&')) {
    const name = pair.split('=', 1)[0]!;
    if (name !== '') names.add(decode(name).toLowerCase());
  }
  return names;
}
