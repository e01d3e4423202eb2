/** Token cursor, recursion bound and type references: the ground floor of the expression parser. */
import type { TypeRef } from './ast.ts';
import { MAX_NESTING, SourceError, tokenize, type Token } from './lexer.ts';

export const PREDEFINED_TYPES = new Set([
  'bool', 'byte', 'char', 'decimal', 'double', 'float', 'int', 'long', 'object', 'sbyte', 'short', 'string', 'uint',
  'ulong', 'ushort',
]);

/** Parse functions recurse a few times per syntax level: this bounds the recursion, the syntax tree is bounded after parsing. */
const MAX_PARSE_DEPTH = 3 * MAX_NESTING;

export class TokenParser {
  protected readonly source: string;
  protected tokens: Token[];
  protected index = 0;
  /** Nested parse calls under way (inherited by the parsers of interpolation holes). */
  protected depth = 0;

  constructor(source: string, start: number, end: number) {
    this.source = source;
    this.tokens = tokenize(source, start, end);
  }

  /** Runs a recursive parse step, failing located before the nesting can exhaust the stack. */
  protected nested<T>(parse: () => T): T {
    if (this.depth >= MAX_PARSE_DEPTH) throw new SourceError(`expression nests more than ${MAX_NESTING} levels deep`, this.token.start);
    this.depth++;
    try {
      return parse();
    } finally {
      this.depth--;
    }
  }

  // ---- token helpers

  protected get token(): Token {
    return this.tokens[this.index]!;
  }

  protected peek(ahead = 1): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)]!;
  }

  protected is(value: string, token: Token = this.token): boolean {
    return (token.kind === 'punct' || token.kind === 'keyword') && token.value === value;
  }

  protected accept(value: string): boolean {
    if (!this.is(value)) return false;
    this.index++;
    return true;
  }

  protected expect(value: string): Token {
    if (!this.is(value)) throw this.unexpected(`'${value}' expected`);
    return this.tokens[this.index++]!;
  }

  protected unexpected(expected?: string): SourceError {
    const t = this.token;
    const found = t.kind === 'eof' ? 'end of expression' : `'${this.source.slice(t.start, t.end)}'`;
    return new SourceError(expected ? `${expected}, found ${found}` : `unexpected ${found}`, t.start);
  }

  protected identifier(): Token {
    if (this.token.kind !== 'ident') throw this.unexpected('identifier expected');
    return this.tokens[this.index++]!;
  }

  /** Runs `attempt`; on failure (null or a syntax error) rewinds and returns null. */
  protected speculate<T>(attempt: () => T | null): T | null {
    const saved = this.index;
    try {
      const result = attempt();
      if (result === null) this.index = saved;
      return result;
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      this.index = saved;
      return null;
    }
  }

  // ---- types

  protected tryType(): TypeRef | null {
    return this.speculate(() => this.parseType(false));
  }

  /** A type reference; with `strict` false, returns null instead of failing on things that are not types. */
  protected parseType(strict: boolean): TypeRef | null {
    return this.nested(() => this.typeReference(strict));
  }

  private typeReference(strict: boolean): TypeRef | null {
    const start = this.token;
    let name: string;
    if (start.kind === 'keyword' && PREDEFINED_TYPES.has(start.value)) {
      name = start.value;
      this.index++;
    } else if (start.kind === 'ident') {
      name = start.value;
      this.index++;
      while (this.is('.') && this.peek().kind === 'ident') {
        this.index++;
        name += '.' + this.identifier().value;
      }
    } else {
      if (strict) throw this.unexpected('type expected');
      return null;
    }
    let args: TypeRef[] = [];
    if (this.is('<')) {
      this.index++;
      args = [this.parseType(true)!];
      while (this.accept(',')) args.push(this.parseType(true)!);
      this.expect('>');
      while (this.is('.') && this.peek().kind === 'ident') {
        this.index++;
        name += '.' + this.identifier().value;
      }
    }
    let nullable = false;
    if (this.is('?')) {
      const after = this.peek();
      if (after.kind === 'ident' || this.is(')', after) || this.is('>', after) || this.is(',', after) || this.is('[', after)) {
        this.index++;
        nullable = true;
      }
    }
    let arrayRank = 0;
    while (this.is('[') && (this.is(']', this.peek()) || this.is(',', this.peek()))) {
      this.index++;
      while (this.accept(','));
      this.expect(']');
      arrayRank++;
    }
    return { name, args, arrayRank, nullable, pos: start.start };
  }

  /**
   * Whether the tokens from `<` could be a type argument list at all: a scan
   * before speculating, so `a < b < c …` costs linear time, not a failed type
   * parse from every `<`.
   */
  private closesAsTypeArguments(): boolean {
    let depth = 0;
    for (let j = this.index; j < this.tokens.length; j++) {
      const t = this.tokens[j]!;
      if (this.is('<', t)) {
        if (++depth > MAX_NESTING) return false;
      } else if (this.is('>', t)) {
        if (--depth === 0) return true;
      } else if (!(t.kind === 'ident' || (t.kind === 'keyword' && PREDEFINED_TYPES.has(t.value)) || ['.', ',', '?', '[', ']', '?['].some((p) => this.is(p, t)))) {
        return false;
      }
    }
    return false;
  }

  protected typeArgumentList(): TypeRef[] | null {
    if (!this.closesAsTypeArguments()) return null;
    return this.speculate(() => {
      this.expect('<');
      const args = [this.parseType(true)!];
      while (this.accept(',')) args.push(this.parseType(true)!);
      this.expect('>');
      const next = this.token;
      return ['(', '.', ')', ',', ';', ']', '?.'].some((p) => this.is(p, next)) ? args : null;
    });
  }
}
