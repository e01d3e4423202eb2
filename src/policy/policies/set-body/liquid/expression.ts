/**
 * Liquid expressions: literals, variable paths (`body.items[0].name`,
 * `context.Request.Headers["Accept"]`), ranges, filter chains
 * (`x | Default: "n/a" | Upcase`) and conditions (`a == 1 and b contains "x"`).
 * Parsed once when the policy compiles.
 */

export type Expr =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'path'; readonly root: string; readonly steps: readonly (string | Expr)[] }
  | { readonly kind: 'range'; readonly from: Expr; readonly to: Expr };

export interface FilterCall {
  readonly name: string;
  readonly args: readonly Expr[];
}

export interface Filtered {
  readonly value: Expr;
  readonly filters: readonly FilterCall[];
}

export type Condition =
  | { readonly kind: 'test'; readonly left: Expr; readonly op?: string; readonly right?: Expr }
  | { readonly kind: 'and'; readonly left: Condition; readonly right: Condition }
  | { readonly kind: 'or'; readonly left: Condition; readonly right: Condition };

/** `empty` and `blank` compare specially (x == empty). */
export const EMPTY = Symbol('liquid.empty');
export const BLANK = Symbol('liquid.blank');

const TOKEN = /\s*(?:("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|(-?\d+(?:\.\d+)?)|(\.\.|==|!=|<>|<=|>=|[<>|:,.[\]()])|([A-Za-z_][\w-]*\??))/y;

export class LiquidSyntaxError extends Error {}

class Tokens {
  readonly #items: string[] = [];
  #index = 0;

  constructor(source: string) {
    TOKEN.lastIndex = 0;
    let position = 0;
    while (position < source.length) {
      if (/^\s*$/.test(source.slice(position))) break;
      TOKEN.lastIndex = position;
      const match = TOKEN.exec(source);
      if (match === null) throw new LiquidSyntaxError(`unexpected "${source.slice(position).trim()}" in "${source.trim()}"`);
      this.#items.push(match[1] ?? match[2] ?? match[3] ?? match[4]!);
      position = TOKEN.lastIndex;
    }
  }

  peek(): string | undefined {
    return this.#items[this.#index];
  }

  next(): string {
    const token = this.#items[this.#index++];
    if (token === undefined) throw new LiquidSyntaxError('unexpected end of expression');
    return token;
  }

  accept(token: string): boolean {
    if (this.#items[this.#index] !== token) return false;
    this.#index++;
    return true;
  }

  expect(token: string): void {
    const actual = this.next();
    if (actual !== token) throw new LiquidSyntaxError(`expected "${token}" but found "${actual}"`);
  }

  get done(): boolean {
    return this.#index >= this.#items.length;
  }
}

function parseValue(tokens: Tokens): Expr {
  const token = tokens.next();
  const first = token[0]!;
  if (first === '"' || first === "'") return { kind: 'literal', value: token.slice(1, -1).replace(/\\(.)/g, '$1') };
  if (/^-?\d/.test(token)) return { kind: 'literal', value: Number(token) };
  if (token === '(') {
    const from = parseValue(tokens);
    tokens.expect('..');
    const to = parseValue(tokens);
    tokens.expect(')');
    return { kind: 'range', from, to };
  }
  if (!/^[A-Za-z_]/.test(token)) throw new LiquidSyntaxError(`unexpected "${token}"`);
  switch (token) {
    case 'true': return { kind: 'literal', value: true };
    case 'false': return { kind: 'literal', value: false };
    case 'nil':
    case 'null': return { kind: 'literal', value: null };
    case 'empty': return { kind: 'literal', value: EMPTY };
    case 'blank': return { kind: 'literal', value: BLANK };
  }
  const steps: (string | Expr)[] = [];
  for (;;) {
    if (tokens.accept('.')) steps.push(tokens.next());
    else if (tokens.accept('[')) {
      steps.push(parseValue(tokens));
      tokens.expect(']');
    } else break;
  }
  return { kind: 'path', root: token, steps };
}

function parseFilters(tokens: Tokens): FilterCall[] {
  const filters: FilterCall[] = [];
  while (tokens.accept('|')) {
    const name = tokens.next();
    const args: Expr[] = [];
    if (tokens.accept(':')) {
      do args.push(parseValue(tokens));
      while (tokens.accept(','));
    }
    filters.push({ name, args });
  }
  return filters;
}

function finished(tokens: Tokens, source: string): void {
  if (!tokens.done) throw new LiquidSyntaxError(`unexpected "${tokens.peek()}" in "${source.trim()}"`);
}

export function parseFiltered(source: string): Filtered {
  const tokens = new Tokens(source);
  const value = parseValue(tokens);
  const filters = parseFilters(tokens);
  finished(tokens, source);
  return { value, filters };
}

export function parseExpr(source: string): Expr {
  const tokens = new Tokens(source);
  const value = parseValue(tokens);
  finished(tokens, source);
  return value;
}

const OPERATORS = new Set(['==', '!=', '<>', '<', '>', '<=', '>=', 'contains']);

/** Liquid evaluates `and`/`or` right to left, without precedence. */
export function parseCondition(source: string): Condition {
  const tokens = new Tokens(source);
  const condition = parseConditionTokens(tokens);
  finished(tokens, source);
  return condition;
}

function parseConditionTokens(tokens: Tokens): Condition {
  const left = parseValue(tokens);
  let test: Condition = { kind: 'test', left };
  const op = tokens.peek();
  if (op !== undefined && OPERATORS.has(op)) {
    tokens.next();
    test = { kind: 'test', left, op, right: parseValue(tokens) };
  }
  const joiner = tokens.peek();
  if (joiner === 'and' || joiner === 'or') {
    tokens.next();
    return { kind: joiner, left: test, right: parseConditionTokens(tokens) };
  }
  return test;
}

/** `item in collection limit: 2 offset: 1 reversed` */
export function parseForHeader(source: string): { variable: string; collection: Expr; limit?: Expr; offset?: Expr; reversed: boolean } {
  const tokens = new Tokens(source);
  const variable = tokens.next();
  if (tokens.next() !== 'in') throw new LiquidSyntaxError(`for: expected "in" in "${source.trim()}"`);
  const collection = parseValue(tokens);
  let limit: Expr | undefined;
  let offset: Expr | undefined;
  let reversed = false;
  while (!tokens.done) {
    const word = tokens.next();
    if (word === 'reversed') reversed = true;
    else if (word === 'limit' || word === 'offset') {
      tokens.expect(':');
      if (word === 'limit') limit = parseValue(tokens);
      else offset = parseValue(tokens);
    } else throw new LiquidSyntaxError(`for: unexpected "${word}"`);
  }
  return { variable, collection, limit, offset, reversed };
}

/** The comma/`or`-separated values of a `when`. */
export function parseWhenValues(source: string): Expr[] {
  const tokens = new Tokens(source);
  const values = [parseValue(tokens)];
  while (tokens.accept(',') || tokens.accept('or')) values.push(parseValue(tokens));
  finished(tokens, source);
  return values;
}
