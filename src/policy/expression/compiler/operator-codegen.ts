/** C# operators as JS: arithmetic with static types where known, equality, assignment and increments. */
import type { Expr } from './ast.ts';
import { GeneratorBase, type Generated } from './codegen-base.ts';
import { isFloating, isIntegral, isNumeric, memberType, promote, type StaticType } from './static-types.ts';

const PRIMITIVE_EQUALITY = new Set(['string', 'char', 'bool', 'int', 'long', 'short', 'byte', 'sbyte', 'uint', 'ulong', 'ushort', 'double', 'float', 'decimal']);
export abstract class OperatorGenerator extends GeneratorBase {
  /** Resolves the target of a member access to a type when it names one (static access). */
  protected abstract staticTarget(target: Expr): { code: string; type: string } | null;
  protected abstract nameOf(name: string, pos: number): Generated;

  protected unary(op: string, operand: Generated): Generated {
    switch (op) {
      case '!':
        return { code: `!${operand.code}`, type: 'bool' };
      case '-':
        return { code: `R.negate(${operand.code})`, type: operand.type };
      case '+':
        return operand;
      default:
        return { code: `R.complement(${operand.code})`, type: operand.type };
    }
  }

  binaryCode(op: string, left: Generated, right: Generated): Generated {
    const l = left.code;
    const r = right.code;
    const numeric = isNumeric(left.type) && isNumeric(right.type);
    switch (op) {
      case '+':
        if (left.type === 'string' || (right.type === 'string' && (left.type === null ? false : PRIMITIVE_EQUALITY.has(left.type)))) return { code: `R.concat(${l}, ${r})`, type: 'string' };
        // `ns + "local"`: a host type may define op_Addition with a string (XNamespace); R.add concatenates otherwise
        if (right.type === 'string') return { code: `R.add(${l}, ${r})`, type: null };
        return numeric ? { code: `(${l} + ${r})`, type: promote(left.type, right.type) } : { code: `R.add(${l}, ${r})`, type: null };
      case '-':
        return numeric ? { code: `(${l} - ${r})`, type: promote(left.type, right.type) } : { code: `R.subtract(${l}, ${r})`, type: null };
      case '*':
        return numeric ? { code: `(${l} * ${r})`, type: promote(left.type, right.type) } : { code: `R.multiply(${l}, ${r})`, type: null };
      case '/':
        if (isIntegral(left.type) && isIntegral(right.type)) return { code: `R.intDivide(${l}, ${r})`, type: promote(left.type, right.type) };
        if (isFloating(left.type) || isFloating(right.type)) return { code: `(${l} / ${r})`, type: promote(left.type, right.type) };
        return { code: `R.divide(${l}, ${r})`, type: null };
      case '%':
        return { code: `R.remainder(${l}, ${r})`, type: promote(left.type, right.type) };
      case '==':
      case '!=': {
        const native = (left.type !== null && right.type !== null && PRIMITIVE_EQUALITY.has(left.type) && PRIMITIVE_EQUALITY.has(right.type)) || l === 'null' || r === 'null';
        const test = native ? (l === 'null' || r === 'null' ? `${l} == ${r}` : `${l} === ${r}`) : `R.equals(${l}, ${r})`;
        return { code: op === '==' ? `(${test})` : `!(${test})`, type: 'bool' };
      }
      case '<':
      case '>':
      case '<=':
      case '>=':
        if (numeric) return { code: `(${l} ${op} ${r})`, type: 'bool' };
        return { code: `R.compareOp(${JSON.stringify(op)}, ${l}, ${r})`, type: 'bool' };
      case '&&':
      case '||':
        return { code: `(${l} ${op} ${r})`, type: 'bool' };
      case '??':
        return { code: `(${l} ?? ${r})`, type: left.type ?? right.type };
      case '&':
      case '|':
      case '^':
        return { code: `R.bitwise(${JSON.stringify(op)}, ${l}, ${r})`, type: left.type === 'bool' ? 'bool' : promote(left.type, right.type) };
      case '<<':
      case '>>':
        return { code: `R.shift(${JSON.stringify(op)}, ${l}, ${r}, ${JSON.stringify(left.type)})`, type: left.type };
      default:
        return this.fail(`operator ${op} is not supported`, 0);
    }
  }

  protected binary(op: string, leftExpr: Expr, rightExpr: Expr): Generated {
    return this.binaryCode(op, this.expr(leftExpr), this.expr(rightExpr));
  }

  /** Read, modify and write back a name, member or indexer; temporaries keep each operand evaluated once. */
  private access(target: Expr): { read: string; write: (value: string) => string; setup: string[]; type: StaticType } {
    if (target.kind === 'name') {
      const local = this.scope.find(target.name);
      if (!local) {
        if (target.name === 'context') this.fail('context is read-only', target.pos);
        this.nameOf(target.name, target.pos);
      }
      return { read: local!.js, write: (v) => `${local!.js} = ${v}`, setup: [], type: local!.type };
    }
    if (target.kind === 'member') {
      if (this.staticTarget(target.target)) this.fail('static members cannot be assigned in policy expressions', target.pos);
      const obj = this.temp();
      const name = JSON.stringify(target.name);
      return {
        read: `R.member(${obj}, ${name})`,
        write: (v) => `R.setMember(${obj}, ${name}, ${v})`,
        setup: [`${obj} = ${this.expr(target.target).code}`],
        type: memberType(target.name),
      };
    }
    if (target.kind === 'index') {
      const obj = this.temp();
      const keys = target.args.map(() => this.temp());
      const setup = [`${obj} = ${this.expr(target.target).code}`, ...target.args.map((a, i) => `${keys[i]} = ${this.expr(a).code}`)];
      return {
        read: `R.index(${obj}, ${keys[0]})`,
        write: (v) => `R.setIndex(${obj}, ${keys[0]}, ${v})`,
        setup,
        type: null,
      };
    }
    return this.fail('the left-hand side of an assignment must be a variable, property or indexer', target.pos);
  }

  protected assign(op: string, target: Expr, valueExpr: Expr): Generated {
    const place = this.access(target);
    const value = this.expr(valueExpr);
    let code: string;
    if (op === '=') code = place.write(value.code);
    else if (op === '??=') code = `${place.read} ?? (${place.write(value.code)})`;
    else code = place.write(this.binaryCode(op.slice(0, -1), { code: place.read, type: place.type }, value).code);
    return { code: `(${[...place.setup, code].join(', ')})`, type: place.type ?? value.type };
  }

  protected update(op: '++' | '--', prefix: boolean, target: Expr): Generated {
    const place = this.access(target);
    const next = `${place.read} ${op === '++' ? '+' : '-'} 1`;
    if (prefix) return { code: `(${[...place.setup, place.write(next)].join(', ')})`, type: place.type };
    const old = this.temp();
    return { code: `(${[...place.setup, `${old} = ${place.read}`, place.write(`${old} ${op === '++' ? '+' : '-'} 1`), old].join(', ')})`, type: place.type };
  }
}
