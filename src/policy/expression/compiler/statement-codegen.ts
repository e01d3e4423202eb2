/** JS for statements, and the C# "not all code paths return a value" check. */
import type { Stmt } from './ast.ts';
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
      return this.pending.length ? `let ${this.pending.join(', ')};\n${code}` : code;
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
          const value = init ? (s.type && declaredType !== null && init.type !== declaredType && /^(int|long|short|byte)$/.test(declaredType) && init.type === 'char' ? `R.cast(${init.code}, ${JSON.stringify(declaredType)}, false, true, null)` : init.code) : defaultValueCode(declaredType);
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
      case 'switch': {
        const subject = this.expr(s.subject).code;
        const sections = s.sections.map((section) => {
          const labels = section.labels.map((l) => (l ? `case ${this.expr(l).code}:` : 'default:')).join(' ');
          return `${labels} {\n${this.withScope(() => this.list(section.body))}\n}`;
        });
        return `switch (${subject}) {\n${sections.join('\n')}\n}`;
      }
      case 'try':
        return this.tryStatement(s);
    }
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
