/**
 * Recursive-descent/Pratt parser for C# expressions (the C# 7 subset APIM
 * accepts, with the `var`/`not` patterns of later versions): operators,
 * lambdas, patterns, casts and postfix chains. Primaries are in
 * primary-parser.ts; statements.ts extends this class.
 */
import type { Expr, Pattern, Stmt } from './ast.ts';
import { SourceError, type Token } from './lexer.ts';
import { PrimaryParser } from './primary-parser.ts';
import { PREDEFINED_TYPES } from './token-parser.ts';

export { PREDEFINED_TYPES };

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

export class ExpressionParser extends PrimaryParser {
  override parseExpression(): Expr {
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

  protected override parseThrowExpression(): Expr {
    const start = this.expect('throw');
    return { kind: 'throw', value: this.parseBinary(3), pos: start.start };
  }

  protected override parseUnary(): Expr {
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
}
