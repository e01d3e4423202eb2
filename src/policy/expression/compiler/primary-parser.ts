/**
 * Primary expressions: literals, names, `new` (objects, arrays, anonymous
 * types, initializers), `default`/`typeof`/`nameof`, interpolated strings,
 * and argument lists. The operators above them are in parser.ts.
 */
import type { Argument, Expr, Initializer, InterpolationPart, LiteralType, MemberInit } from './ast.ts';
import { SourceError, type Token } from './lexer.ts';
import { PREDEFINED_TYPES, TokenParser } from './token-parser.ts';

export abstract class PrimaryParser extends TokenParser {
  abstract parseExpression(): Expr;
  protected abstract parseUnary(): Expr;
  protected abstract parseThrowExpression(): Expr;

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

  protected parsePrimary(): Expr {
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
      const sub = new (this.constructor as new (source: string, start: number, end: number) => PrimaryParser)(this.source, hole.start, hole.end);
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
