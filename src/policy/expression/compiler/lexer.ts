/**
 * C# tokens for policy expressions. Offsets are absolute in the expression
 * source so every diagnostic points at the exact column in the policy file.
 */

export type TokenKind = 'ident' | 'keyword' | 'number' | 'string' | 'char' | 'interpolated' | 'punct' | 'eof';

export interface InterpolationHole {
  /** Expression text range (absolute offsets). */
  readonly start: number;
  readonly end: number;
  readonly alignment: string | null;
  readonly format: string | null;
}

export interface Token {
  readonly kind: TokenKind;
  /** Identifier/keyword/punctuator text, decoded string/char value, or number text. */
  readonly value: string;
  readonly start: number;
  readonly end: number;
  /** Interpolated strings: literal parts interleaved with holes (parts.length === holes.length + 1). */
  readonly parts?: readonly string[];
  readonly holes?: readonly InterpolationHole[];
}

export class SourceError extends Error {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

/**
 * How deep an expression may nest (syntax tree levels, interpolated strings in
 * holes): far beyond real policy expressions, and well within the stack the
 * recursive parser and code generator need for it.
 */
export const MAX_NESTING = 200;

export const KEYWORDS = new Set([
  'as', 'base', 'bool', 'break', 'byte', 'case', 'catch', 'char', 'checked', 'const', 'continue', 'decimal', 'default',
  'do', 'double', 'else', 'false', 'finally', 'float', 'for', 'foreach', 'if', 'in', 'int', 'is', 'long', 'new', 'null',
  'object', 'out', 'ref', 'return', 'sbyte', 'short', 'string', 'switch', 'this', 'throw', 'true', 'try', 'typeof',
  'uint', 'ulong', 'unchecked', 'ushort', 'var', 'while', 'nameof', 'using', 'lock', 'goto', 'sizeof', 'unsafe', 'fixed',
  'stackalloc', 'void', 'class', 'struct', 'static', 'public', 'private',
]);

const PUNCTUATORS = [
  '<<=', '??=', '=>', '==', '!=', '<=', '>=', '&&', '||', '++', '--', '+=', '-=', '*=', '/=', '%=', '&=', '|=',
  '^=', '<<', '??', '?.', '?[', '::',
  '(', ')', '[', ']', '{', '}', '.', ',', ';', ':', '?', '+', '-', '*', '/', '%', '&', '|', '^', '!', '~', '<', '>', '=',
];

const SIMPLE_ESCAPES: Record<string, string> = {
  "'": "'", '"': '"', '\\': '\\', '0': '\0', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v',
};

const UNICODE_IDENT_START = /^\p{ID_Start}$/u;
const UNICODE_IDENT_PART = /^\p{ID_Continue}$/u;

/**
 * C# identifiers: letters, digits and `_` — never other non-ASCII characters,
 * which JavaScript may read as whitespace or line breaks (U+00A0, U+2028) and
 * so split one C# name into several tokens of generated code.
 */
function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || (c > '\x7f' && UNICODE_IDENT_START.test(c));
}

function isIdentPart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || (c >= '0' && c <= '9') || (c > '\x7f' && UNICODE_IDENT_PART.test(c));
}

export function tokenize(source: string, start: number, end: number): Token[] {
  const tokens: Token[] = [];
  let i = start;
  while (true) {
    i = skipTrivia(source, i, end);
    if (i >= end) break;
    const token = readToken(source, i, end);
    tokens.push(token);
    i = token.end;
  }
  tokens.push({ kind: 'eof', value: '', start: end, end });
  return tokens;
}

function skipTrivia(source: string, from: number, end: number): number {
  let i = from;
  while (i < end) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      while (i < end && source[i] !== '\n') i++;
    } else if (c === '/' && source[i + 1] === '*') {
      const close = source.indexOf('*/', i + 2);
      if (close === -1 || close + 2 > end) throw new SourceError('unterminated comment', i);
      i = close + 2;
    } else {
      break;
    }
  }
  return i;
}

/** `depth`: how many interpolated strings enclose the token (their holes are lexed recursively). */
function readToken(source: string, i: number, end: number, depth = 0): Token {
  const c = source[i]!;
  const next = source[i + 1] ?? '';
  if (c === '@' && isIdentStart(next)) {
    let j = i + 1;
    while (j < end && isIdentPart(source[j]!)) j++;
    return { kind: 'ident', value: source.slice(i + 1, j), start: i, end: j };
  }
  if (isIdentStart(c)) {
    let j = i;
    while (j < end && isIdentPart(source[j]!)) j++;
    const word = source.slice(i, j);
    return { kind: KEYWORDS.has(word) ? 'keyword' : 'ident', value: word, start: i, end: j };
  }
  if ((c >= '0' && c <= '9') || (c === '.' && next >= '0' && next <= '9')) return readNumber(source, i, end);
  if (c === '"') return readString(source, i, i + 1, end, false);
  if (c === '@' && next === '"') return readString(source, i, i + 2, end, true);
  if (c === '$' && next === '"') return readInterpolated(source, i, i + 2, end, false, depth);
  if ((c === '$' && next === '@' && source[i + 2] === '"') || (c === '@' && next === '$' && source[i + 2] === '"')) {
    return readInterpolated(source, i, i + 3, end, true, depth);
  }
  if (c === "'") return readChar(source, i, end);
  for (const p of PUNCTUATORS) {
    if (source.startsWith(p, i) && i + p.length <= end) return { kind: 'punct', value: p, start: i, end: i + p.length };
  }
  throw new SourceError(`unexpected character '${c}'`, i);
}

function readNumber(source: string, i: number, end: number): Token {
  let j = i;
  const hex = source[j] === '0' && (source[j + 1] === 'x' || source[j + 1] === 'X');
  if (hex) {
    j += 2;
    while (j < end && /[0-9a-fA-F_]/.test(source[j]!)) j++;
  } else {
    while (j < end && /[0-9_]/.test(source[j]!)) j++;
    if (source[j] === '.' && /[0-9]/.test(source[j + 1] ?? '')) {
      j++;
      while (j < end && /[0-9_]/.test(source[j]!)) j++;
    }
    if ((source[j] === 'e' || source[j] === 'E') && /[0-9+-]/.test(source[j + 1] ?? '')) {
      j += 2;
      while (j < end && /[0-9]/.test(source[j]!)) j++;
    }
  }
  while (j < end && (hex ? /[uUlL]/ : /[uUlLmMdDfF]/).test(source[j]!)) j++;
  if (j < end && isIdentPart(source[j]!)) throw new SourceError('invalid numeric literal', i);
  return { kind: 'number', value: source.slice(i, j), start: i, end: j };
}

/** Reads one escape after a backslash at `i`; returns [decoded, next index]. */
function readEscape(source: string, i: number): [string, number] {
  const e = source[i + 1] ?? '';
  const simple = SIMPLE_ESCAPES[e];
  if (simple !== undefined) return [simple, i + 2];
  if (e === 'u' || e === 'x' || e === 'U') {
    const max = e === 'U' ? 8 : 4;
    let j = i + 2;
    while (j < i + 2 + max && /[0-9a-fA-F]/.test(source[j] ?? '')) j++;
    const codePoint = parseInt(source.slice(i + 2, j), 16);
    if (j === i + 2 || (e !== 'x' && j !== i + 2 + max) || codePoint > 0x10ffff) throw new SourceError('invalid escape sequence', i);
    return [String.fromCodePoint(codePoint), j];
  }
  throw new SourceError(`unrecognized escape sequence '\\${e}'`, i);
}

function readString(source: string, start: number, from: number, end: number, verbatim: boolean): Token {
  let value = '';
  let i = from;
  while (i < end) {
    const c = source[i]!;
    if (c === '"') {
      if (verbatim && source[i + 1] === '"') {
        value += '"';
        i += 2;
        continue;
      }
      return { kind: 'string', value, start, end: i + 1 };
    }
    if (!verbatim && c === '\\') {
      const [decoded, next] = readEscape(source, i);
      value += decoded;
      i = next;
    } else if (!verbatim && c === '\n') {
      break;
    } else {
      value += c;
      i++;
    }
  }
  throw new SourceError('unterminated string literal', start);
}

function readChar(source: string, start: number, end: number): Token {
  let i = start + 1;
  let value: string;
  if (source[i] === '\\') {
    [value, i] = readEscape(source, i);
  } else {
    value = source[i] ?? '';
    i++;
  }
  if (source[i] !== "'" || i >= end || value === '' || value === '\n') throw new SourceError('invalid character literal', start);
  return { kind: 'char', value, start, end: i + 1 };
}

function readInterpolated(source: string, start: number, from: number, end: number, verbatim: boolean, depth: number): Token {
  if (depth >= MAX_NESTING) throw new SourceError(`interpolated strings nest more than ${MAX_NESTING} levels deep`, start);
  const parts: string[] = [];
  const holes: InterpolationHole[] = [];
  let literal = '';
  let i = from;
  while (i < end) {
    const c = source[i]!;
    if (c === '"') {
      if (verbatim && source[i + 1] === '"') {
        literal += '"';
        i += 2;
        continue;
      }
      parts.push(literal);
      return { kind: 'interpolated', value: '', start, end: i + 1, parts, holes };
    }
    if ((c === '{' || c === '}') && source[i + 1] === c) {
      literal += c;
      i += 2;
    } else if (c === '{') {
      parts.push(literal);
      literal = '';
      const hole = readHole(source, i + 1, end, depth);
      holes.push(hole.hole);
      i = hole.next;
    } else if (c === '}') {
      throw new SourceError("'}' in an interpolated string must be doubled", i);
    } else if (!verbatim && c === '\\') {
      const [decoded, next] = readEscape(source, i);
      literal += decoded;
      i = next;
    } else if (!verbatim && c === '\n') {
      break;
    } else {
      literal += c;
      i++;
    }
  }
  throw new SourceError('unterminated interpolated string', start);
}

/** A hole runs to its matching `}`; a top-level `,` starts the alignment and `:` the format. `nesting`: interpolated strings around it. */
function readHole(source: string, from: number, end: number, nesting: number): { hole: InterpolationHole; next: number } {
  let depth = 0;
  let i = from;
  let exprEnd = -1;
  let alignStart = -1;
  let formatStart = -1;
  while (i < end) {
    const c = source[i]!;
    if (formatStart !== -1) {
      if (c === '}') break;
      i++;
      continue;
    }
    if (alignStart === -1 && (c === '"' || c === "'" || ((c === '$' || c === '@') && (source[i + 1] === '"' || source[i + 2] === '"')))) {
      i = c === "'" ? readChar(source, i, end).end : readToken(source, i, end, nesting + 1).end;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (depth === 0 && c === ':' && source[i + 1] !== ':' && source[i - 1] !== ':') {
      if (exprEnd === -1) exprEnd = i;
      formatStart = i + 1;
    } else if (depth === 0 && c === ',' && alignStart === -1) {
      exprEnd = i;
      alignStart = i + 1;
    }
    i++;
  }
  if (i >= end) throw new SourceError('unterminated interpolation hole', from - 1);
  const alignment = alignStart === -1 ? null : source.slice(alignStart, formatStart === -1 ? i : formatStart - 1).trim();
  const format = formatStart === -1 ? null : source.slice(formatStart, i);
  return { hole: { start: from, end: exprEnd === -1 ? i : exprEnd, alignment, format }, next: i + 1 };
}
