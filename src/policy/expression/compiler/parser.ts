/**
 * Recursive-descent/Pratt parser for C# expressions (the C# 7 subset APIM
 * accepts). Statements live in statements.ts, which extends this class.
 */
import type { Argument, Expr, Initializer, InterpolationPart, LiteralType, MemberInit, Pattern, Stmt, TypeRef } from './ast.ts';
import { MAX_NESTING, SourceError, tokenize, type Token } from './lexer.ts';

export const PREDEFINED_TYPES = new Set([
  'bool', 'byte', 'char', 'decimal', 'double', 'float', 'int', 'long', 'object', 'sbyte', 'short', 'string', 'uint',
  'ulong', 'ushort',
]);

const BINARY_PRECEDENCE: Record<string, number> = {
  '??': 3, '||': 4, '&&': 5, '|': 6, '^': 7, '&': 8, '==': 9, '!=': 9,
  '<': 10, '>': 10, '<=': 10, '>=': 10, is: 10, as: 10, '<<': 11, '>>': 11,
  '+': 12, '-': 12, '*': 13, '/': 13, '%': 13,
};

const ASSIGNMENT_OPERATORS = new Set(['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '??=']);

/** Tokens after which `(T)` is a cast of what follows even when T is not a predefined type. */
function startsCastOperand(token: Token): boolean {
  if (token.kind === 'ident' || token.kind === 'number' || token.kind === 'string' || token.kind === 'char' || token.kind === 'interpolated') return true;
  if (token.kind === 'keyword') return !['as', 'is', 'in', 'out', 'ref'].includes(token.value);
  return token.kind === 'punct' && (token.value === '(' || token.value === '!' || token.value === '~');
}

/** Parse functions recurse a few times per syntax level: this bounds the recursion, the syntax tree is bounded after parsing. */
const MAX_PARSE_DEPTH = 3 * MAX_NESTING;

export class ExpressionParser {
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

  // ---- expressions

  parseExpression(): Expr {
    return this.nested(() => this.assignmentExpression());
  }

  private assignmentExpression(): Expr {
    const lambda = this.tryLambda();
    if (lambda) return lambda;
    const target = this.parseConditional();
    if (this.token.kind === 'punct' && ASSIGNMENT_OPERATORS.has(this.token.value)) {
      const op = this.token.value;
      if (target.kind !== 'name' && target.kind !== 'member' && target.kind !== 'index') {
        throw new SourceError('the left-hand side of an assignment must be a variable, property or indexer', target.pos);
      }
      this.index++;
      return { kind: 'assign', op, target, value: this.parseExpression(), pos: target.pos };
    }
    return target;
  }

  private tryLambda(): Expr | null {
    const start = this.token;
    if (start.kind === 'ident' && this.is('=>', this.peek())) {
      this.index += 2;
      return { kind: 'lambda', params: [start.value], body: this.lambdaBody(), pos: start.start };
    }
    if (!this.is('(')) return null;
    let depth = 0;
    let j = this.index;
    for (; j < this.tokens.length; j++) {
      const t = this.tokens[j]!;
      if (t.kind === 'eof') return null;
      if (this.is('(', t)) depth++;
      else if (this.is(')', t) && --depth === 0) break;
    }
    if (!this.is('=>', this.tokens[j + 1]!)) return null;
    const params: string[] = [];
    this.index++;
    while (!this.is(')')) {
      this.tryType();
      const name = this.token.kind === 'ident' ? this.identifier() : this.tokens[this.index - 1]!;
      if (name.kind !== 'ident') throw this.unexpected('parameter name expected');
      params.push(name.value);
      if (!this.accept(',')) break;
    }
    this.expect(')');
    this.expect('=>');
    return { kind: 'lambda', params, body: this.lambdaBody(), pos: start.start };
  }

  private lambdaBody(): Expr | Stmt {
    return this.is('{') ? this.parseBlock() : this.parseExpression();
  }

  /** Overridden by the statement parser; expressions only meet blocks as lambda bodies. */
  parseBlock(): Stmt {
    throw this.unexpected('block bodies are not allowed here');
  }

  private parseConditional(): Expr {
    const test = this.parseBinary(3);
    if (!this.is('?')) return test;
    this.index++;
    const whenTrue = this.parseExpression();
    this.expect(':');
    const whenFalse = this.parseExpression();
    return { kind: 'conditional', test, whenTrue, whenFalse, pos: test.pos };
  }

  private binaryOperator(): string | null {
    const t = this.token;
    if (t.kind === 'keyword' && (t.value === 'is' || t.value === 'as')) return t.value;
    if (t.kind !== 'punct') return null;
    const next = this.peek();
    if (t.value === '>' && this.is('>', next) && next.start === t.end) return '>>';
    return t.value in BINARY_PRECEDENCE ? t.value : null;
  }

  private parseBinary(minPrecedence: number): Expr {
    return this.nested(() => this.binaryExpression(minPrecedence));
  }

  private binaryExpression(minPrecedence: number): Expr {
    let left = this.parseUnary();
    while (true) {
      const op = this.binaryOperator();
      if (op === null) return left;
      const precedence = BINARY_PRECEDENCE[op]!;
      if (precedence < minPrecedence) return left;
      this.index += op === '>>' ? 2 : 1;
      if (op === 'is') left = this.parseIs(left);
      else if (op === 'as') left = { kind: 'as', operand: left, type: this.parseType(true)!, pos: left.pos };
      else {
        // ?? is right-associative; the others associate left
        const right = this.is('throw') ? this.parseThrowExpression() : this.parseBinary(op === '??' ? precedence : precedence + 1);
        left = { kind: 'binary', op, left, right, pos: left.pos };
      }
    }
  }

  private parseIs(operand: Expr): Expr {
    return { kind: 'is', operand, pattern: this.parsePattern(), pos: operand.pos };
  }

  /**
   * A pattern of `is` or `case`: C# 7's type and constant patterns, and
   * `var`/`not` as later versions allow. A case label's constant is a whole
   * expression (`case "a" + "b":`); after `is` it binds tighter than `&&`.
   */
  protected parsePattern(caseLabel = false): Pattern {
    const constant = (): Pattern => ({ kind: 'constant', value: caseLabel ? this.parseExpression() : this.parseUnary(), pos: t.start });
    const t = this.token;
    if (this.is('var') && this.peek().kind === 'ident') {
      this.index++;
      return { kind: 'var', declares: this.identifier().value, pos: t.start };
    }
    const next = this.peek();
    if (t.kind === 'ident' && t.value === 'not' && (next.kind !== 'punct' || this.is('(', next) || this.is('-', next))) {
      this.index++;
      return { kind: 'not', pattern: this.parsePattern(caseLabel), pos: t.start };
    }
    if (t.kind !== 'ident' && !(t.kind === 'keyword' && PREDEFINED_TYPES.has(t.value))) return constant();
    const typed = this.speculate((): Pattern | null => {
      const type = this.parseType(false);
      if (!type) return null;
      if (this.token.kind === 'ident' && this.token.value !== 'when') {
        const name = this.identifier();
        // `x is string ? a : b` is a conditional, not a declaration of `a`
        if (type.nullable && this.is(':')) return null;
        return { kind: 'type', type, declares: name.value, pos: t.start };
      }
      if (type.args.length > 0 || type.arrayRank > 0 || (type.nullable && !this.is(':'))) return { kind: 'type', type, declares: null, pos: t.start };
      // a bare name is a constant (`JTokenType.Object`) or a type (`JObject`, `string`): the generator decides
      return null;
    });
    return typed ?? constant();
  }

  private parseThrowExpression(): Expr {
    const start = this.expect('throw');
    return { kind: 'throw', value: this.parseBinary(3), pos: start.start };
  }

  private parseUnary(): Expr {
    return this.nested(() => this.unaryExpression());
  }

  private unaryExpression(): Expr {
    const t = this.token;
    if (t.kind === 'punct' && ['!', '-', '+', '~'].includes(t.value)) {
      this.index++;
      return { kind: 'unary', op: t.value, operand: this.parseUnary(), pos: t.start };
    }
    if (t.kind === 'punct' && (t.value === '++' || t.value === '--')) {
      this.index++;
      return { kind: 'update', op: t.value, prefix: true, target: this.parseUnary(), pos: t.start };
    }
    if (this.is('(')) {
      const cast = this.speculate(() => {
        this.index++;
        const type = this.parseType(false);
        if (!type || !this.accept(')')) return null;
        const predefined = PREDEFINED_TYPES.has(type.name) || type.arrayRank > 0 || type.nullable || type.args.length > 0;
        if (!startsCastOperand(this.token) && !(predefined && this.token.kind === 'punct' && ['-', '+'].includes(this.token.value))) return null;
        return type;
      });
      if (cast) return { kind: 'cast', type: cast, operand: this.parseUnary(), pos: t.start };
    }
    return this.parsePostfix(this.parsePrimary());
  }

  protected parsePostfix(base: Expr): Expr {
    let expr = base;
    while (true) {
      const t = this.token;
      if (this.is('.')) {
        this.index++;
        const name = this.identifier();
        const typeArgs = this.is('<') ? this.typeArgumentList() : null;
        expr = { kind: 'member', target: expr, name: name.value, namePos: name.start, typeArgs, pos: expr.pos };
      } else if (this.is('(')) {
        expr = { kind: 'call', callee: expr, args: this.parseArguments('(', ')'), pos: expr.pos };
      } else if (this.is('[')) {
        this.index++;
        expr = { kind: 'index', target: expr, args: this.parseExpressionList(']'), pos: expr.pos };
      } else if (this.is('++') || this.is('--')) {
        this.index++;
        expr = { kind: 'update', op: t.value as '++' | '--', prefix: false, target: expr, pos: expr.pos };
      } else if (this.is('?.') || this.is('?[')) {
        const binding: Expr = { kind: 'binding', pos: t.start };
        // `a?.B.C` continues on the binding; the whole rest of the chain is skipped when `a` is null
        if (this.is('?.')) {
          this.tokens[this.index] = { kind: 'punct', value: '.', start: t.start + 1, end: t.end };
        } else {
          this.tokens[this.index] = { kind: 'punct', value: '[', start: t.start + 1, end: t.end };
        }
        const whenNotNull = this.nested(() => this.parsePostfix(binding));
        return { kind: 'conditionalAccess', target: expr, whenNotNull, pos: expr.pos };
      } else if (this.is('!') && (this.is('.', this.peek()) || this.is(')', this.peek()))) {
        this.index++; // null-forgiving operator
      } else {
        return expr;
      }
    }
  }

  protected parseExpressionList(close: string): Expr[] {
    const items: Expr[] = [];
    if (this.accept(close)) return items;
    do {
      if (this.is(close)) break; // trailing comma in initializers
      items.push(this.parseExpression());
    } while (this.accept(','));
    this.expect(close);
    return items;
  }

  protected parseArguments(open: string, close: string): Argument[] {
    this.expect(open);
    const args: Argument[] = [];
    if (this.accept(close)) return args;
    do {
      let name: string | null = null;
      if (this.token.kind === 'ident' && this.is(':', this.peek())) {
        name = this.identifier().value;
        this.index++;
      }
      if (this.is('out') || this.is('ref')) {
        const modifier = this.token.value as 'out' | 'ref';
        this.index++;
        const declared =
          this.is('var') && this.peek().kind === 'ident'
            ? (this.index++, { name: this.token.value, type: null, pos: this.tokens[this.index++]!.start })
            : this.speculate(() => {
                const type = this.parseType(false);
                if (!type || this.token.kind !== 'ident') return null;
                const id = this.identifier();
                return { name: id.value, type, pos: id.start };
              });
        if (declared) args.push({ name, modifier, declares: declared, value: null });
        else args.push({ name, modifier, declares: null, value: this.parseUnary() });
      } else {
        args.push({ name, modifier: null, declares: null, value: this.parseExpression() });
      }
    } while (this.accept(','));
    this.expect(close);
    return args;
  }

  private parsePrimary(): Expr {
    const t = this.token;
    switch (t.kind) {
      case 'number':
        this.index++;
        return numberLiteral(t);
      case 'string':
        this.index++;
        return { kind: 'literal', value: t.value, type: 'string', pos: t.start };
      case 'char':
        this.index++;
        return { kind: 'literal', value: t.value, type: 'char', pos: t.start };
      case 'interpolated':
        this.index++;
        return this.interpolation(t);
      case 'ident': {
        this.index++;
        const typeArgs = this.is('<') ? this.typeArgumentList() : null;
        return { kind: 'name', name: t.value, typeArgs, pos: t.start };
      }
      case 'keyword':
        return this.keywordPrimary(t);
      case 'punct':
        if (t.value === '(') {
          this.index++;
          const inner = this.parseExpression();
          this.expect(')');
          return inner;
        }
        break;
      default:
        break;
    }
    throw this.unexpected('expression expected');
  }

  private keywordPrimary(t: Token): Expr {
    const pos = t.start;
    switch (t.value) {
      case 'true':
      case 'false':
        this.index++;
        return { kind: 'literal', value: t.value === 'true', type: 'bool', pos };
      case 'null':
        this.index++;
        return { kind: 'literal', value: null, type: 'null', pos };
      case 'new':
        this.index++;
        return this.parseNew(pos);
      case 'default':
        this.index++;
        if (!this.accept('(')) return { kind: 'default', type: null, pos };
        {
          const type = this.parseType(true)!;
          this.expect(')');
          return { kind: 'default', type, pos };
        }
      case 'typeof': {
        this.index++;
        this.expect('(');
        const type = this.parseType(true)!;
        this.expect(')');
        return { kind: 'typeof', type, pos };
      }
      case 'nameof': {
        this.index++;
        this.expect('(');
        const target = this.parseExpression();
        this.expect(')');
        const name = target.kind === 'member' ? target.name : target.kind === 'name' ? target.name : null;
        if (name === null) throw new SourceError('nameof needs a name', target.pos);
        return { kind: 'nameof', name, pos };
      }
      case 'checked':
      case 'unchecked': {
        this.index++;
        this.expect('(');
        const inner = this.parseExpression();
        this.expect(')');
        return inner;
      }
      case 'throw':
        return this.parseThrowExpression();
      default:
        if (PREDEFINED_TYPES.has(t.value)) {
          this.index++;
          return { kind: 'name', name: t.value, typeArgs: null, pos };
        }
    }
    throw new SourceError(`'${t.value}' is not supported in policy expressions`, pos);
  }

  private parseNew(pos: number): Expr {
    if (this.is('[')) {
      this.index++;
      this.expect(']');
      return { kind: 'newArray', elementType: null, size: null, items: this.arrayItems(), pos };
    }
    if (this.is('{')) {
      return { kind: 'anonymous', members: this.anonymousMembers(), pos };
    }
    const type = this.parseType(true)!;
    if (this.is('[')) {
      this.index++;
      const size = this.parseExpression();
      this.expect(']');
      const items = this.is('{') ? this.arrayItems() : null;
      return { kind: 'newArray', elementType: type, size, items, pos };
    }
    if (type.arrayRank > 0) {
      const elementType = { ...type, arrayRank: type.arrayRank - 1 };
      return { kind: 'newArray', elementType, size: null, items: this.arrayItems(), pos };
    }
    const hasArguments = this.is('(');
    const args = hasArguments ? this.parseArguments('(', ')') : [];
    const init = this.is('{') ? this.initializer() : null;
    if (!hasArguments && !init) throw this.unexpected("'(' or '{' expected");
    return { kind: 'new', type, args, init, pos };
  }

  private arrayItems(): Expr[] {
    this.expect('{');
    return this.parseExpressionList('}');
  }

  private anonymousMembers(): MemberInit[] {
    this.expect('{');
    const members: MemberInit[] = [];
    while (!this.is('}')) {
      const start = this.token;
      if (start.kind === 'ident' && this.is('=', this.peek())) {
        this.index += 2;
        members.push({ name: start.value, pos: start.start, value: this.parseExpression() });
      } else {
        const value = this.parseExpression();
        if (value.kind !== 'member' && value.kind !== 'name') throw new SourceError('invalid anonymous type member declarator', value.pos);
        members.push({ name: value.name, pos: value.pos, value });
      }
      if (!this.accept(',')) break;
    }
    this.expect('}');
    return members;
  }

  private initializer(): Initializer {
    this.expect('{');
    if (this.accept('}')) return { kind: 'collection', items: [] };
    if (this.token.kind === 'ident' && this.is('=', this.peek())) {
      const members: MemberInit[] = [];
      do {
        if (this.is('}')) break;
        const name = this.identifier();
        this.expect('=');
        members.push({ name: name.value, pos: name.start, value: this.initializerValue() });
      } while (this.accept(','));
      this.expect('}');
      return { kind: 'object', members };
    }
    if (this.is('[')) {
      const entries: { keys: Expr[]; value: Expr }[] = [];
      do {
        if (this.is('}')) break;
        this.expect('[');
        const keys = this.parseExpressionList(']');
        this.expect('=');
        entries.push({ keys, value: this.parseExpression() });
      } while (this.accept(','));
      this.expect('}');
      return { kind: 'index', entries };
    }
    const items: Expr[][] = [];
    do {
      if (this.is('}')) break;
      if (this.is('{')) {
        this.index++;
        items.push(this.parseExpressionList('}'));
      } else {
        items.push([this.parseExpression()]);
      }
    } while (this.accept(','));
    this.expect('}');
    return { kind: 'collection', items };
  }

  /** Nested `{ … }` after `Prop =` initializes the existing collection; approximated as a new list of the items. */
  private initializerValue(): Expr {
    if (this.is('{')) {
      const pos = this.token.start;
      return { kind: 'newArray', elementType: null, size: null, items: this.arrayItems(), pos };
    }
    return this.parseExpression();
  }

  private interpolation(t: Token): Expr {
    const holes: InterpolationPart[] = t.holes!.map((hole) => {
      if (hole.start === hole.end || this.source.slice(hole.start, hole.end).trim() === '') {
        throw new SourceError('empty interpolation hole', hole.start);
      }
      const sub = new (this.constructor as typeof ExpressionParser)(this.source, hole.start, hole.end);
      sub.depth = this.depth;
      const expr = sub.parseExpression();
      if (sub.token.kind !== 'eof') throw sub.unexpected();
      return { expr, alignment: hole.alignment, format: hole.format };
    });
    return { kind: 'interpolated', parts: t.parts!, holes, pos: t.start };
  }
}

function numberLiteral(t: Token): Expr {
  const text = t.value.replace(/_/g, '');
  const suffix = (/^0[xX]/.test(text) ? /[uUlL]+$/ : /[uUlLmMdDfF]+$/).exec(text)?.[0]?.toLowerCase() ?? '';
  const digits = text.slice(0, text.length - suffix.length);
  const hex = /^0[xX]/.test(digits);
  const value = hex ? parseInt(digits.slice(2), 16) : Number(digits);
  if (!Number.isFinite(value)) throw new SourceError('invalid numeric literal', t.start);
  let type: LiteralType;
  if (suffix === 'm') type = 'decimal';
  else if (suffix === 'd') type = 'double';
  else if (suffix === 'f') type = 'float';
  else if (!hex && /[.eE]/.test(digits)) type = 'double';
  else if (suffix.includes('l')) type = suffix.includes('u') ? 'ulong' : 'long';
  else if (suffix === 'u') type = value <= 0xffffffff ? 'uint' : 'ulong';
  else type = value <= 0x7fffffff ? 'int' : value <= 0xffffffff && hex ? 'uint' : 'long';
  return { kind: 'literal', value, type, pos: t.start };
}
