/** Statement parser for `@{ … }` bodies and block lambdas. */
import type { CatchClause, Declarator, Stmt, SwitchLabel, SwitchSection, TypeRef } from './ast.ts';
import { SourceError } from './lexer.ts';
import { ExpressionParser } from './parser.ts';

export class StatementParser extends ExpressionParser {
  /** Parses statements up to the end of the range (the inside of `@{ … }`). */
  parseBody(): Stmt[] {
    const body: Stmt[] = [];
    while (this.token.kind !== 'eof') body.push(this.parseStatement());
    return body;
  }

  /** Parses one expression filling the whole range (the inside of `@( … )`). */
  parseWholeExpression() {
    const expr = this.parseExpression();
    if (this.token.kind !== 'eof') throw this.unexpected("')' or an operator expected");
    return expr;
  }

  override parseBlock(): Stmt {
    const open = this.expect('{');
    const body: Stmt[] = [];
    while (!this.is('}')) {
      if (this.token.kind === 'eof') throw this.unexpected("'}' expected");
      body.push(this.parseStatement());
    }
    const close = this.expect('}');
    return { kind: 'block', body, end: close.start, pos: open.start };
  }

  private parseStatement(): Stmt {
    return this.nested(() => this.statement());
  }

  private statement(): Stmt {
    const t = this.token;
    const pos = t.start;
    if (this.is('{')) return this.parseBlock();
    if (this.accept(';')) return { kind: 'empty', pos };
    if (t.kind === 'keyword') {
      switch (t.value) {
        case 'if': {
          this.index++;
          const test = this.condition();
          const then = this.parseEmbedded();
          const otherwise = this.accept('else') ? this.parseEmbedded() : null;
          return { kind: 'if', test, then, otherwise, pos };
        }
        case 'return': {
          this.index++;
          const value = this.is(';') ? null : this.parseExpression();
          this.expect(';');
          return { kind: 'return', value, pos };
        }
        case 'throw': {
          this.index++;
          const value = this.is(';') ? null : this.parseExpression();
          this.expect(';');
          return { kind: 'throw', value, pos };
        }
        case 'break':
        case 'continue':
          this.index++;
          this.expect(';');
          return { kind: t.value, pos };
        case 'while': {
          this.index++;
          const test = this.condition();
          return { kind: 'while', test, body: this.parseEmbedded(), pos };
        }
        case 'do': {
          this.index++;
          const body = this.parseEmbedded();
          this.expect('while');
          const test = this.condition();
          this.expect(';');
          return { kind: 'do', test, body, pos };
        }
        case 'for':
          return this.parseFor();
        case 'foreach':
          return this.parseForeach();
        case 'switch':
          return this.parseSwitch();
        case 'try':
          return this.parseTry();
        case 'checked':
        case 'unchecked':
          if (this.is('{', this.peek())) {
            this.index++;
            return this.parseBlock();
          }
          break;
        default:
          break;
      }
    }
    const declaration = this.tryDeclaration();
    if (declaration) {
      this.expect(';');
      return declaration;
    }
    const expr = this.parseExpression();
    if (!['assign', 'call', 'update', 'new'].includes(expr.kind)) {
      throw new SourceError('only assignment, call, increment, decrement and new object expressions can be used as a statement', expr.pos);
    }
    this.expect(';');
    return { kind: 'expression', expr, pos };
  }

  /** The body of if/while/for: a declaration there is a C# error too. */
  private parseEmbedded(): Stmt {
    return this.parseStatement();
  }

  private condition() {
    this.expect('(');
    const test = this.parseExpression();
    this.expect(')');
    return test;
  }

  /** `var x = …;`, `string a, b = …;`, `Dictionary<string, int> d = new …;` */
  private tryDeclaration(): Stmt | null {
    const pos = this.token.start;
    if (this.is('const')) this.index++;
    let type: TypeRef | null;
    if (this.token.kind === 'ident' && this.token.value === 'var' && this.peek().kind === 'ident') {
      this.index++;
      type = null;
    } else if (this.is('var') && this.peek().kind === 'ident') {
      this.index++;
      type = null;
    } else {
      const parsed = this.speculate(() => {
        const candidate = this.parseType(false);
        return candidate && this.token.kind === 'ident' && (this.is('=', this.peek()) || this.is(';', this.peek()) || this.is(',', this.peek()))
          ? candidate
          : null;
      });
      if (!parsed) return null;
      type = parsed;
    }
    const declarators: Declarator[] = [];
    do {
      const name = this.identifier();
      const init = this.accept('=') ? (this.is('{') && type?.arrayRank ? this.arrayInitializer(type) : this.parseExpression()) : null;
      if (type === null && init === null) throw new SourceError('implicitly-typed variables must be initialized', name.start);
      declarators.push({ name: name.value, pos: name.start, init });
    } while (this.accept(','));
    return { kind: 'declare', type, declarators, pos };
  }

  private arrayInitializer(type: TypeRef) {
    const pos = this.token.start;
    this.expect('{');
    const items = this.parseExpressionList('}');
    return { kind: 'newArray' as const, elementType: { ...type, arrayRank: type.arrayRank - 1 }, size: null, items, pos };
  }

  private parseFor(): Stmt {
    const pos = this.expect('for').start;
    this.expect('(');
    const init: Stmt[] = [];
    if (!this.is(';')) {
      const declaration = this.tryDeclaration();
      if (declaration) init.push(declaration);
      else {
        do {
          const expr = this.parseExpression();
          init.push({ kind: 'expression', expr, pos: expr.pos });
        } while (this.accept(','));
      }
    }
    this.expect(';');
    const test = this.is(';') ? null : this.parseExpression();
    this.expect(';');
    const update = [];
    if (!this.is(')')) {
      do update.push(this.parseExpression());
      while (this.accept(','));
    }
    this.expect(')');
    return { kind: 'for', init, test, update, body: this.parseEmbedded(), pos };
  }

  private parseForeach(): Stmt {
    const pos = this.expect('foreach').start;
    this.expect('(');
    let type: TypeRef | null = null;
    if (this.is('var')) this.index++;
    else type = this.parseType(true);
    const name = this.identifier().value;
    this.expect('in');
    const iterable = this.parseExpression();
    this.expect(')');
    return { kind: 'foreach', type, name, iterable, body: this.parseEmbedded(), pos };
  }

  private parseSwitch(): Stmt {
    const pos = this.expect('switch').start;
    const subject = this.condition();
    this.expect('{');
    const sections: SwitchSection[] = [];
    while (!this.accept('}')) {
      const labels: (SwitchLabel | null)[] = [];
      while (this.is('case') || this.is('default')) {
        if (this.accept('default')) labels.push(null);
        else {
          this.index++;
          const pattern = this.parsePattern(true);
          const guard = this.token.kind === 'ident' && this.token.value === 'when' ? (this.index++, this.parseExpression()) : null;
          labels.push({ pattern, guard });
        }
        this.expect(':');
      }
      if (labels.length === 0) throw this.unexpected("'case' or 'default' expected");
      const body: Stmt[] = [];
      while (!this.is('case') && !this.is('default') && !this.is('}')) {
        if (this.token.kind === 'eof') throw this.unexpected("'}' expected");
        body.push(this.parseStatement());
      }
      sections.push({ labels, body });
    }
    return { kind: 'switch', subject, sections, pos };
  }

  private parseTry(): Stmt {
    const pos = this.expect('try').start;
    const body = this.parseBlock();
    const catches: CatchClause[] = [];
    while (this.accept('catch')) {
      let type: TypeRef | null = null;
      let name: string | null = null;
      if (this.accept('(')) {
        type = this.parseType(true);
        if (this.token.kind === 'ident') name = this.identifier().value;
        this.expect(')');
      }
      let filter = null;
      if (this.token.kind === 'ident' && this.token.value === 'when') {
        this.index++;
        filter = this.condition();
      }
      catches.push({ type, name, filter, body: this.parseBlock() });
    }
    const final = this.accept('finally') ? this.parseBlock() : null;
    if (catches.length === 0 && !final) throw this.unexpected("'catch' or 'finally' expected");
    return { kind: 'try', body, catches, finally: final, pos };
  }
}
