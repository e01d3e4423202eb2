/**
 * Shared state of code generation: scopes and locals, temporaries, hoisted
 * constants. Locals become `L_<name>`, runtime helpers are reached as
 * `R.<helper>`, types as hoisted constants; literals always go through
 * JSON.stringify, so no source text is spliced into code.
 */
import type { Expr, TypeRef } from './ast.ts';
import { SourceError } from './lexer.ts';
import { isNumeric, normalizeTypeName, type StaticType } from './static-types.ts';
import { resolveTypeName, typeText } from './type-names.ts';

export interface Generated {
  readonly code: string;
  readonly type: StaticType;
}

interface Local {
  readonly js: string;
  type: StaticType;
}

class Scope {
  readonly locals = new Map<string, Local>();
  readonly parent: Scope | null;
  constructor(parent: Scope | null) {
    this.parent = parent;
  }
  find(name: string): Local | undefined {
    return this.locals.get(name) ?? this.parent?.find(name);
  }
}

/** One JS function being generated (the expression itself or a lambda): it owns its temporaries. */
interface FunctionFrame {
  temps: number;
  readonly declared: string[];
}

export abstract class GeneratorBase {
  protected scope = new Scope(null);
  protected frame: FunctionFrame = { temps: 0, declared: [] };
  private tempCounter = 0;
  /** `let` declarations that must precede the statement being generated (out variables, `is T x`). */
  protected pending: string[] = [];
  private readonly constants: string[] = [];
  private readonly constantIndex = new Map<string, string>();
  usesBody = false;

  protected fail(message: string, pos: number): never {
    throw new SourceError(message, pos);
  }

  /** Hoists a JS expression evaluated once when the compiled function is created. */
  protected constant(code: string): string {
    let name = this.constantIndex.get(code);
    if (!name) {
      name = `K${this.constants.length}`;
      this.constants.push(`const ${name} = ${code};`);
      this.constantIndex.set(code, name);
    }
    return name;
  }

  /** Temporaries of the top-level function (lambdas declare their own). */
  declaredTemps(): readonly string[] {
    return [...this.frame.declared, ...this.pending];
  }

  hoisted(): string {
    return this.constants.join('\n');
  }

  protected temp(): string {
    const name = `t${this.tempCounter++}`;
    this.frame.declared.push(name);
    return name;
  }

  protected declareLocal(name: string, type: StaticType, pos: number): string {
    if (this.scope.find(name) || name === 'context') this.fail(`a local variable named '${name}' is already defined in this scope`, pos);
    // Only ASCII reaches the generated source: other characters are spelled as their code.
    const js = `L_${name.replace(/[^A-Za-z0-9_]/g, (c) => `$${c.codePointAt(0)!.toString(16)}$`)}`;
    this.scope.locals.set(name, { js, type });
    return js;
  }

  protected withScope<T>(body: () => T): T {
    const outer = this.scope;
    this.scope = new Scope(outer);
    try {
      return body();
    } finally {
      this.scope = outer;
    }
  }

  protected typeRef(type: TypeRef): string {
    const resolved = resolveTypeName(type.name, type.pos);
    return this.constant(`T(${JSON.stringify(resolved)})`);
  }

  protected staticTypeOf(type: TypeRef | null): StaticType {
    if (!type) return null;
    if (type.arrayRank > 0) return typeText(type);
    return type.nullable ? null : normalizeTypeName(type.name);
  }

  abstract expr(e: Expr): Generated;
}

export function defaultValueCode(type: StaticType): string {
  if (isNumeric(type)) return '0';
  if (type === 'bool') return 'false';
  if (type === 'char') return '"\\u0000"';
  return 'null';
}
