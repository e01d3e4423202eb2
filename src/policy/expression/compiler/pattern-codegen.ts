/** Casts, `as`, and the patterns of `is` expressions and `switch` cases. */
import type { Expr, Pattern, TypeRef } from './ast.ts';
import type { Generated } from './codegen-base.ts';
import { OperatorGenerator } from './operator-codegen.ts';
import { isNumeric, type StaticType } from './static-types.ts';
import { resolveTypeName, typeText } from './type-names.ts';

export abstract class PatternGenerator extends OperatorGenerator {
  /** `System.Text.Encoding` style chains: the dotted name when `e` is made only of names not bound to locals. */
  protected abstract qualifiedName(e: Expr): string | null;

  protected typeCheck(type: TypeRef): string {
    const resolved = resolveTypeName(type.name, type.pos)!;
    const text = type.arrayRank > 0 ? typeText(type) : resolved;
    return this.constant(`R.typeTest(${JSON.stringify(text)}, T)`);
  }

  protected cast(type: TypeRef, operand: Generated): Generated {
    const resolved = resolveTypeName(type.name, type.pos)!;
    const text = type.arrayRank > 0 ? typeText(type) : resolved;
    const conversion = isNumeric(operand.type) || operand.type === 'char';
    return {
      code: `R.cast(${operand.code}, ${JSON.stringify(text)}, ${type.nullable}, ${conversion}, ${this.typeCheck(type)})`,
      type: type.nullable ? null : this.staticTypeOf(type),
    };
  }

  protected isExpression(e: Extract<Expr, { kind: 'is' }>): Generated {
    const operand = this.expr(e.operand);
    const subject = this.temp();
    return { code: `(${subject} = ${operand.code}, ${this.patternTest(subject, operand.type, e.pattern)})`, type: 'bool' };
  }

  /**
   * JS testing `subject` (a temporary or local, so read freely) against a
   * pattern; the variables the pattern declares are set only when it matches.
   */
  protected patternTest(subject: string, subjectType: StaticType, pattern: Pattern): string {
    switch (pattern.kind) {
      case 'var':
        return `(${this.declarePatternVariable(pattern.declares, null, pattern.pos)} = ${subject}, true)`;
      case 'not':
        return `!(${this.patternTest(subject, subjectType, pattern.pattern)})`;
      case 'type': {
        const test = `${this.typeCheck(pattern.type)}(${subject})`;
        if (!pattern.declares) return test;
        const js = this.declarePatternVariable(pattern.declares, this.staticTypeOf(pattern.type), pattern.pos);
        return `(${test} && (${js} = ${subject}, true))`;
      }
      case 'constant': {
        const type = this.namedType(pattern.value);
        if (type) return `${this.typeCheck(type)}(${subject})`;
        const value = this.expr(pattern.value);
        if (value.code === 'null') return `(${subject} == null)`;
        return this.binaryCode('==', { code: subject, type: subjectType }, value).code;
      }
    }
  }

  private declarePatternVariable(name: string, type: StaticType, pos: number): string {
    const js = this.declareLocal(name, type, pos);
    this.pending.push(js);
    return js;
  }

  protected namesType(value: Expr): boolean {
    return this.namedType(value) !== null;
  }

  /** The type a constant pattern names (`case JObject:`, `is string`), or null for a real constant. */
  private namedType(value: Expr): TypeRef | null {
    const name = this.qualifiedName(value);
    if (name === null || resolveTypeName(name, value.pos, true) === null) return null;
    return { name, args: [], arrayRank: 0, nullable: false, pos: value.pos };
  }
}
