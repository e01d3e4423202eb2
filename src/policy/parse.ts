import { advanceLocation, PolicyCompileError, type SourceLocation } from './diagnostics.ts';
import type { PolicyAttribute, PolicyElement } from './types.ts';
import { decodeEntity, ENTITY, tokenizePolicyXml, type RawElement, type RawText } from './xml.ts';
import { levenshtein } from '../text.ts';

/**
 * Policy document text → PolicyElement tree: the XML structure from xml.ts,
 * then every attribute value and text resolved in one pass — XML entities
 * decoded and `{{named values}}` substituted (APIM-REFERENCE §3.4: whole
 * value, inside text, inside expression string literals). A named value's own
 * text is inserted as is: neither decoded nor scanned for `{{…}}` again.
 */

export interface NamedValue {
  readonly value: string;
  readonly secret: boolean;
}

export type NamedValues = ReadonlyMap<string, NamedValue>;

export function namedValueMap(list: readonly { name: string; value: string; secret: boolean }[]): NamedValues {
  return new Map(list.map((n) => [n.name, { value: n.value, secret: n.secret }]));
}

/** Named value display names are letters, digits, `-`, `_` and `.`; anything else between braces is not a reference (Liquid's `{{ x }}`). */
const REFERENCE = /^\{\{([A-Za-z0-9._-]+)\}\}/;

/** Up to three defined names nearest to `name`, nearest first. */
function nearestNames(name: string, namedValues: NamedValues): string[] {
  const lowered = name.toLowerCase();
  return [...namedValues.keys()]
    .map((candidate) => ({ candidate, distance: levenshtein(lowered, candidate.toLowerCase()) }))
    .filter(({ distance }) => distance <= Math.max(3, Math.floor(lowered.length / 2)))
    .sort((a, b) => a.distance - b.distance || a.candidate.localeCompare(b.candidate))
    .slice(0, 3)
    .map(({ candidate }) => candidate);
}

function unknownNamedValue(name: string, namedValues: NamedValues): string {
  if (namedValues.size === 0) return `unknown named value "${name}" (no named values are defined)`;
  const near = nearestNames(name, namedValues);
  return `unknown named value "${name}"${near.length ? `; closest: ${near.map((n) => `"${n}"`).join(', ')}` : ''}`;
}

interface Resolution {
  value: string;
  secret: boolean;
}

class Resolver {
  readonly namedValues: NamedValues;
  readonly errors: PolicyCompileError[];

  constructor(namedValues: NamedValues, errors: PolicyCompileError[]) {
    this.namedValues = namedValues;
    this.errors = errors;
  }

  /**
   * Decodes entities (unless CDATA) and substitutes named values in one left-to-right pass.
   * With `keepUnknown`, unknown references stay as written (Liquid templates use `{{…}}` themselves).
   */
  resolve(raw: string, at: SourceLocation, cdata: boolean, keepUnknown = false): Resolution {
    let value = '';
    let secret = false;
    let i = 0;
    while (i < raw.length) {
      const c = raw[i];
      if (c === '&' && !cdata) {
        const entity = ENTITY.exec(raw.slice(i, i + 12));
        if (entity) {
          value += decodeEntity(entity[0]);
          i += entity[0].length;
          continue;
        }
      } else if (c === '{' && raw[i + 1] === '{') {
        const reference = REFERENCE.exec(raw.slice(i, i + 260));
        if (reference) {
          const name = reference[1]!;
          const named = this.namedValues.get(name);
          if (named) {
            value += named.value;
            secret ||= named.secret;
          } else if (keepUnknown) {
            value += reference[0];
          } else {
            this.errors.push(new PolicyCompileError(unknownNamedValue(name, this.namedValues), advanceLocation(at, raw, i)));
            value += reference[0];
          }
          i += reference[0].length;
          continue;
        }
      }
      value += c;
      i++;
    }
    return { value, secret };
  }

  /** Text pieces joined; whitespace around the whole text is dropped, CDATA content kept exactly. */
  text(parts: readonly RawText[], keepUnknown: boolean): PolicyAttribute | undefined {
    const pieces: RawText[] = [...parts];
    while (pieces.length && !pieces[0]!.cdata && pieces[0]!.raw.trim() === '') pieces.shift();
    while (pieces.length && !pieces.at(-1)!.cdata && pieces.at(-1)!.raw.trim() === '') pieces.pop();
    if (pieces.length === 0) return undefined;
    let value = '';
    let secret = false;
    let location: SourceLocation | undefined;
    pieces.forEach((piece, index) => {
      let raw = piece.raw;
      let at = piece.location;
      if (!piece.cdata && index === 0) {
        const leading = raw.length - raw.trimStart().length;
        at = advanceLocation(at, raw, leading);
        raw = raw.slice(leading);
      }
      if (!piece.cdata && index === pieces.length - 1) raw = raw.trimEnd();
      location ??= at;
      const resolved = this.resolve(raw, at, piece.cdata, keepUnknown);
      value += resolved.value;
      secret ||= resolved.secret;
    });
    return { name: '#text', value, location: location!, secret };
  }

  /** `inLiquid`: inside a Liquid template, where unknown `{{…}}` belong to Liquid. */
  element(raw: RawElement, inLiquid = false): PolicyElement {
    const attributes = new Map<string, PolicyAttribute>();
    for (const attribute of raw.attributes) {
      const { value, secret } = this.resolve(attribute.raw, attribute.valueLocation, false, inLiquid);
      attributes.set(attribute.name, { name: attribute.name, value, location: attribute.valueLocation, secret });
    }
    // Liquid templates write `{{ body.x }}` themselves: only defined named values are substituted there.
    const liquid = inLiquid || (raw.name === 'set-body' && attributes.get('template')?.value.toLowerCase() === 'liquid');
    const children = raw.children.map((child) => this.element(child, liquid));
    let text: PolicyAttribute | undefined;
    if (children.length === 0) {
      text = this.text(raw.text, liquid);
    } else if (raw.name === 'set-body' && raw.inner) {
      // A body template may be markup itself (Liquid producing XML): its text is the source between the tags.
      text = this.text([raw.inner], liquid);
    } else {
      const stray = raw.text.find((piece) => piece.cdata || piece.raw.trim() !== '');
      if (stray) {
        const offset = stray.cdata ? 0 : stray.raw.length - stray.raw.trimStart().length;
        this.errors.push(new PolicyCompileError(`<${raw.name}> mixes text with child elements`, advanceLocation(stray.location, stray.raw, offset)));
      }
    }
    return { name: raw.name, attributes, children, text, location: raw.location };
  }
}

/**
 * Parses one policy document (`<policies>` or `<fragment>` root). Syntax
 * errors stop the parse (one error, undefined); named value errors are all
 * collected and the tree is still returned.
 */
export function parsePolicyDocument(text: string, file: string, namedValues: NamedValues, errors: PolicyCompileError[]): PolicyElement | undefined {
  let raw: RawElement;
  try {
    raw = tokenizePolicyXml(text, file);
  } catch (error) {
    if (!(error instanceof PolicyCompileError)) throw error;
    errors.push(error);
    return undefined;
  }
  return new Resolver(namedValues, errors).element(raw);
}
