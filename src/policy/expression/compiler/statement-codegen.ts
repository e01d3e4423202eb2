/** JS for statements, and the C# "not all code paths return a value" check. */
import type { Expr, Stmt, TypeRef } from './ast.ts';
import type { Generated } from './codegen-base.ts';
import type { StaticType } from './static-types.ts';
import { hasImplicitConversion } from '../runtime/registry.ts';
import { ExpressionGenerator, defaultValueCode } from './codegen.ts';
import { normalizeTypeName } from './static-types.ts';
import { resolveTypeName } from './type-names.ts';

export class StatementGenerator extends ExpressionGenerator {
  private catchDepth = 0;

  /** The statements of a `@{ … }` body as the body of a JS function. */
  body(statements: readonly Stmt[]): string {
    return this.list(statements);
  }

  protected override statementCode(stmt: Stmt): string {
    return this.stmt(stmt);
  }

  private list(statements: readonly Stmt[]): string {
    return statements.map((s) => this.stmt(s)).join('\n');
  }

  /** Generates one statement, prefixed by the declarations its expressions introduced. */
  private stmt(s: Stmt): string {
    const outer = this.pending;
    this.pending = [];
    try {
      const code = this.statement(s);
      // sibling switch sections may declare pattern variables of the same name
      return this.pending.length ? `let ${[...new Set(this.pending)].join(', ')};\n${code}` : code;
    } finally {
      this.pending = outer;
    }
  }

  private scoped(s: Stmt): string {
    return this.withScope(() => this.stmt(s));
  }

  private statement(s: Stmt): string {
    switch (s.kind) {
      case 'block':
        return `{\n${this.withScope(() => this.list(s.body))}\n}`;
      case 'empty':
        return ';';
      case 'declare': {
        const declaredType = s.type ? this.staticTypeOf(s.type) : null;
        if (s.type) resolveTypeName(s.type.name, s.type.pos);
        const parts = s.declarators.map((d) => {
          const init = d.init ? this.expr(d.init) : null;
          const js = this.declareLocal(d.name, s.type ? declaredType : init?.type ?? null, d.pos);
          const value = init ? this.converted(init, s.type, declaredType) : defaultValueCode(declaredType);
          return `${js} = ${value}`;
        });
        return `let ${parts.join(', ')};`;
      }
      case 'expression':
        return `${this.expr(s.expr).code};`;
      case 'if': {
        const test = this.expr(s.test).code;
        const then = this.scoped(s.then);
        return `if (${test}) ${then}${s.otherwise ? ` else ${this.scoped(s.otherwise)}` : ''}`;
      }
      case 'return':
        return s.value ? `return ${this.expr(s.value).code};` : 'return null;';
      case 'throw':
        if (s.value) return `R.throwValue(${this.expr(s.value).code});`;
        if (this.catchDepth === 0) this.fail('a throw statement with no arguments is not allowed outside of a catch clause', s.pos);
        return `throw e${this.catchDepth - 1};`;
      case 'while':
        return `while (${this.expr(s.test).code}) ${this.scoped(s.body)}`;
      case 'do':
        return `do ${this.scoped(s.body)} while (${this.expr(s.test).code});`;
      case 'for':
        return this.withScope(() => {
          const init = s.init.map((i) => this.stmt(i));
          const test = s.test ? this.expr(s.test).code : '';
          const update = s.update.map((u) => this.expr(u).code).join(', ');
          // the declarations come first so the loop variable lives in one JS scope around the loop
          return `{\n${init.join('\n')}\nfor (; ${test}; ${update}) ${this.scoped(s.body)}\n}`;
        });
      case 'foreach':
        return this.withScope(() => {
          const iterable = this.expr(s.iterable);
          const elementType = s.type ? normalizeTypeName(s.type.name) : iterable.type?.endsWith('[]') ? iterable.type.slice(0, -2) : iterable.type === 'string' ? 'char' : null;
          const js = this.declareLocal(s.name, elementType, s.pos);
          return `for (const ${js} of R.iterate(${iterable.code})) ${this.scoped(s.body)}`;
        });
      case 'break':
        return 'break;';
      case 'continue':
        return 'continue;';
      case 'switch':
        return this.switchStatement(s);
      case 'try':
        return this.tryStatement(s);
    }
  }

  /**
   * Constant labels become a JS switch. With type patterns or `when` guards,
   * an if-chain picks the section (in source order, `default` last) and a JS
   * switch over its index runs it, so `break` keeps its meaning.
   */
  private switchStatement(s: Extract<Stmt, { kind: 'switch' }>): string {
    const subject = this.expr(s.subject);
    const constantsOnly = s.sections.every((section) => section.labels.every((l) => l === null || (l.guard === null && l.pattern.kind === 'constant' && !this.namesType(l.pattern.value))));
    if (constantsOnly) {
      const sections = s.sections.map((section) => {
        const labels = section.labels.map((l) => (l ? `case ${this.expr((l.pattern as { value: Expr }).value).code}:` : 'default:')).join(' ');
        return `${labels} {\n${this.withScope(() => this.list(section.body))}\n}`;
      });
      return `switch (${subject.code}) {\n${sections.join('\n')}\n}`;
    }
    const value = this.temp();
    const chosen = this.temp();
    const tests: string[] = [];
    let fallback = -1;
    const bodies = s.sections.map((section, i) =>
      this.withScope(() => {
        for (const label of section.labels) {
          if (label === null) {
            fallback = i;
            continue;
          }
          const test = this.patternTest(value, subject.type, label.pattern);
          tests.push(`if (${label.guard ? `${test} && ${this.expr(label.guard).code}` : test}) ${chosen} = ${i};`);
        }
        return `case ${i}: {\n${this.list(section.body)}\n}`;
      }),
    );
    return `${value} = ${subject.code};\n${chosen} = ${fallback};\n${tests.join('\nelse ')}\nswitch (${chosen}) {\n${bodies.join('\n')}\n}`;
  }

  /** An initializer converted to the declared type: char to an integer, a string to a host type's op_Implicit (`XNamespace ns = "urn:x"`). */
  private converted(init: Generated, type: TypeRef | null, declaredType: StaticType): string {
    if (type === null || declaredType === null || init.type === declaredType) return init.code;
    if (/^(int|long|short|byte)$/.test(declaredType) && init.type === 'char') return `R.cast(${init.code}, ${JSON.stringify(declaredType)}, false, true, null)`;
    const key = resolveTypeName(type.name, type.pos)!;
    if (type.arrayRank === 0 && hasImplicitConversion(key)) return `R.implicit(${init.code}, ${this.typeRef(type)})`;
    return init.code;
  }

  private tryStatement(s: Extract<Stmt, { kind: 'try' }>): string {
    let code = `try ${this.scoped(s.body)}`;
    if (s.catches.length) {
      const e = `e${this.catchDepth}`;
      this.catchDepth++;
      try {
        const bindings: string[] = [];
        const clauses = s.catches.map((c) =>
          this.withScope(() => {
            const typeName = c.type ? resolveTypeName(c.type.name, c.type.pos)! : 'Exception';
            const js = c.name ? this.declareLocal(c.name, typeName, c.type?.pos ?? s.pos) : null;
            if (js) bindings.push(js);
            const bind = js ? `(${js} = ${e}), ` : '';
            const filter = c.filter ? ` && (${bind}${this.expr(c.filter).code})` : '';
            return `if (R.catches(${e}, ${JSON.stringify(typeName)})${filter}) {\n${js ? `${js} = ${e};\n` : ''}${this.stmt(c.body)}\n}`;
          }),
        );
        const declarations = bindings.length ? `let ${[...new Set(bindings)].join(', ')};\n` : '';
        code += ` catch (${e}_raw) {\nconst ${e} = R.toException(${e}_raw);\n${declarations}${clauses.join(' else ')} else throw ${e};\n}`;
      } finally {
        this.catchDepth--;
      }
    }
    if (s.finally) code += ` finally ${this.scoped(s.finally)}`;
    return code;
  }
}

/** True when control can reach the end of `statements` (C# reachability, simplified to what policies write). */
export function endReachable(statements: readonly Stmt[]): boolean {
  for (const s of statements) if (!completesNormally(s)) return false;
  return true;
}

function completesNormally(s: Stmt): boolean {
  switch (s.kind) {
    case 'return':
    case 'throw':
      return false;
    case 'block':
      return endReachable(s.body);
    case 'if':
      return s.otherwise === null || completesNormally(s.then) || completesNormally(s.otherwise);
    case 'while':
    case 'for': {
      const test = s.kind === 'while' ? s.test : s.test;
      const infinite = test === null || (test.kind === 'literal' && test.value === true);
      return !infinite || containsBreak(s.body);
    }
    case 'do':
      return completesNormally(s.body) || containsBreak(s.body) || !(s.test.kind === 'literal' && s.test.value === true);
    case 'switch': {
      if (!s.sections.some((section) => section.labels.includes(null))) return true;
      return s.sections.some((section) => endReachable(section.body) || section.body.some(containsBreak));
    }
    case 'try':
      if (s.finally && !completesNormally(s.finally)) return false;
      return completesNormally(s.body) || s.catches.some((c) => completesNormally(c.body));
    default:
      return true;
  }
}

/** A `break` that leaves this statement (not one inside a nested loop or switch). */
function containsBreak(s: Stmt): boolean {
  switch (s.kind) {
    case 'break':
      return true;
    case 'block':
      return s.body.some(containsBreak);
    case 'if':
      return containsBreak(s.then) || (s.otherwise !== null && containsBreak(s.otherwise));
    case 'try':
      return containsBreak(s.body) || s.catches.some((c) => containsBreak(c.body)) || (s.finally !== null && containsBreak(s.finally));
    default:
      return false;
  }
}
