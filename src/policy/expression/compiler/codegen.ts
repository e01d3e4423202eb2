/** Expressions to JS: names, member access, calls, object creation, lambdas and interpolation. */
import type { Argument, Expr, Stmt, TypeRef } from './ast.ts';
import { defaultValueCode, type Generated } from './codegen-base.ts';
import { PREDEFINED_TYPES } from './parser.ts';
import { PatternGenerator } from './pattern-codegen.ts';
import { callType, isNumeric, memberType, normalizeTypeName, promote, type StaticType } from './static-types.ts';
import { resolveTypeName, typeText } from './type-names.ts';

export { defaultValueCode, type Generated };

export class ExpressionGenerator extends PatternGenerator {
  override expr(e: Expr): Generated {
    switch (e.kind) {
      case 'literal':
        return { code: e.value === null ? 'null' : JSON.stringify(e.value), type: e.type === 'null' ? null : e.type };
      case 'name':
        return this.nameOf(e.name, e.pos);
      case 'member':
        return this.member(e);
      case 'call':
        return this.call(e);
      case 'index': {
        const target = this.expr(e.target);
        const args = e.args.map((a) => this.expr(a).code);
        if (target.type === 'string') return { code: `R.charAt(${target.code}, ${args[0]})`, type: 'char' };
        const elementType = target.type?.endsWith('[]') ? target.type.slice(0, -2) : null;
        return { code: args.length === 1 ? `R.index(${target.code}, ${args[0]})` : `R.indexN(${target.code}, [${args.join(', ')}])`, type: elementType };
      }
      case 'conditionalAccess': {
        const target = this.expr(e.target);
        const t = this.temp();
        const rest = this.withBinding(t, target.type, () => this.expr(e.whenNotNull));
        return { code: `((${t} = ${target.code}) == null ? null : ${rest.code})`, type: rest.type === 'int' || rest.type === 'bool' ? null : rest.type };
      }
      case 'binding':
        return { code: this.binding!.code, type: this.binding!.type };
      case 'unary':
        return this.unary(e.op, this.expr(e.operand));
      case 'update':
        return this.update(e.op, e.prefix, e.target);
      case 'binary':
        return this.binary(e.op, e.left, e.right);
      case 'assign':
        return this.assign(e.op, e.target, e.value);
      case 'conditional': {
        const test = this.expr(e.test);
        const a = this.expr(e.whenTrue);
        const b = this.expr(e.whenFalse);
        const type = a.type === b.type ? a.type : promote(a.type, b.type) ?? (e.whenTrue.kind === 'literal' && a.type === null ? b.type : e.whenFalse.kind === 'literal' && b.type === null ? a.type : null);
        return { code: `(${test.code} ? ${a.code} : ${b.code})`, type };
      }
      case 'cast':
        return this.cast(e.type, this.expr(e.operand));
      case 'is':
        return this.isExpression(e);
      case 'as':
        return { code: `R.as(${this.expr(e.operand).code}, ${this.typeCheck(e.type)})`, type: this.staticTypeOf(e.type) };
      case 'new':
        return this.newObject(e);
      case 'newArray': {
        const items = e.items?.map((i) => this.expr(i).code);
        const type = e.elementType ? typeText(e.elementType) + '[]' : null;
        if (e.elementType) this.typeRef(e.elementType);
        if (items) return { code: `R.newArray(${JSON.stringify(type)}, [${items.join(', ')}])`, type };
        return { code: `R.newSizedArray(${JSON.stringify(type)}, ${this.expr(e.size!).code})`, type };
      }
      case 'anonymous': {
        const members = e.members.map((m) => `${JSON.stringify(m.name)}: ${this.expr(m.value).code}`);
        return { code: `R.anonymous({ ${members.join(', ')} })`, type: null };
      }
      case 'lambda':
        return { code: this.lambda(e.params, e.body), type: null };
      case 'interpolated':
        return this.interpolated(e);
      case 'default':
        return { code: e.type ? defaultValueCode(this.staticTypeOf(e.type)) : 'null', type: this.staticTypeOf(e.type) };
      case 'nameof':
        return { code: JSON.stringify(e.name), type: 'string' };
      case 'typeof': {
        const resolved = resolveTypeName(e.type.name, e.type.pos)!;
        return { code: this.constant(`R.typeOf(${JSON.stringify(e.type.arrayRank > 0 ? typeText(e.type) : resolved)})`), type: 'Type' };
      }
      case 'throw':
        return { code: `R.throwValue(${this.expr(e.value).code})`, type: null };
    }
  }

  private binding: Generated | null = null;

  private withBinding<T>(code: string, type: StaticType, body: () => T): T {
    const outer = this.binding;
    this.binding = { code, type };
    try {
      return body();
    } finally {
      this.binding = outer;
    }
  }

  protected nameOf(name: string, pos: number): Generated {
    const local = this.scope.find(name);
    if (local) return { code: local.js, type: local.type };
    if (name === 'context') return { code: 'context', type: null };
    if (PREDEFINED_TYPES.has(name)) return this.fail(`'${name}' is a type, which is not valid in the given context`, pos);
    return this.fail(`the name '${name}' does not exist in the current context`, pos);
  }

  protected override qualifiedName(e: Expr): string | null {
    if (e.kind === 'name') return this.scope.find(e.name) || e.name === 'context' || e.typeArgs ? null : e.name;
    if (e.kind === 'member' && !e.typeArgs) {
      const left = this.qualifiedName(e.target);
      return left === null ? null : `${left}.${e.name}`;
    }
    return null;
  }

  /** Resolves the target of a member access to a type when it names one (static access). */
  protected override staticTarget(target: Expr): { code: string; type: string } | null {
    const qualified = this.qualifiedName(target);
    if (qualified === null) return null;
    const resolved = resolveTypeName(qualified, target.pos, true);
    if (resolved === null) {
      if (target.kind === 'name' && !/^(System|Newtonsoft|Microsoft)$/.test(qualified)) this.nameOf(qualified, target.pos);
      return null;
    }
    return { code: this.constant(`T(${JSON.stringify(resolved)})`), type: normalizeTypeName(resolved) };
  }

  private member(e: Extract<Expr, { kind: 'member' }>): Generated {
    if (e.name === 'Body') this.usesBody = true;
    const staticTarget = this.staticTarget(e.target);
    if (staticTarget) {
      const type = e.name === 'Empty' && staticTarget.type === 'string' ? 'string' : ['MaxValue', 'MinValue'].includes(e.name) && isNumeric(staticTarget.type) ? staticTarget.type : null;
      return { code: `R.member(${staticTarget.code}, ${JSON.stringify(e.name)})`, type };
    }
    const target = this.expr(e.target);
    if (target.type === 'string' && e.name === 'Length') return { code: `R.stringLength(${target.code})`, type: 'int' };
    return { code: `R.member(${target.code}, ${JSON.stringify(e.name)})`, type: memberType(e.name) };
  }

  protected args(args: readonly Argument[]): { list: string; named: string; types: StaticType[]; before: string[]; after: string[] } {
    const positional: string[] = [];
    const named: string[] = [];
    const namedValues: string[] = [];
    const before: string[] = [];
    const after: string[] = [];
    const types: StaticType[] = [];
    for (const arg of args) {
      let code: string;
      if (arg.modifier) {
        const ref = this.temp();
        if (arg.declares) {
          const js = this.declareLocal(arg.declares.name, this.staticTypeOf(arg.declares.type), arg.declares.pos);
          this.pending.push(js);
          before.push(`${ref} = new R.OutRef()`);
          after.push(`${js} = ${ref}.value`);
        } else {
          const value = arg.value!;
          if (value.kind !== 'name' || !this.scope.find(value.name)) this.fail('an out or ref argument must be a local variable', value.pos);
          const local = this.scope.find(value.name)!;
          before.push(`${ref} = new R.OutRef(${arg.modifier === 'ref' ? local.js : ''})`);
          after.push(`${local.js} = ${ref}.value`);
        }
        code = ref;
        types.push(null);
      } else {
        const g = this.expr(arg.value!);
        code = g.code;
        types.push(g.type);
      }
      if (arg.name) {
        named.push(arg.name);
        namedValues.push(code);
      } else {
        if (named.length > 0) this.fail('named argument specifications must appear after all fixed arguments', arg.value?.pos ?? 0);
        positional.push(code);
      }
    }
    const list = `[${[...positional, ...namedValues].join(', ')}]`;
    return { list, named: named.length ? this.constant(JSON.stringify(named)) : 'null', types, before, after };
  }

  protected typeArgs(types: readonly TypeRef[] | null): string {
    if (!types || types.length === 0) return 'R.NO_TYPES';
    for (const t of types) resolveTypeName(t.name, t.pos);
    return this.constant(JSON.stringify(types.map(typeText)));
  }

  private call(e: Extract<Expr, { kind: 'call' }>): Generated {
    const callee = e.callee;
    if (callee.kind === 'name') {
      const local = this.scope.find(callee.name);
      if (!local) return this.fail(`the name '${callee.name}' does not exist in the current context`, callee.pos);
      const a = this.args(e.args);
      return this.withOut(a, `R.invoke(${local.js}, ${a.list})`, null);
    }
    if (callee.kind !== 'member') {
      const target = this.expr(callee);
      const a = this.args(e.args);
      return this.withOut(a, `R.invoke(${target.code}, ${a.list})`, null);
    }
    const name = JSON.stringify(callee.name);
    const typeArgs = this.typeArgs(callee.typeArgs);
    const staticTarget = this.staticTarget(callee.target);
    if (staticTarget) {
      const a = this.args(e.args);
      return this.withOut(a, `R.call(${staticTarget.code}, ${name}, ${typeArgs}, ${a.list}, ${a.named})`, callType(staticTarget.type, callee.name, a.types));
    }
    if (callee.name === 'Body') this.usesBody = true;
    const target = this.expr(callee.target);
    const a = this.args(e.args);
    let type = callType(target.type, callee.name, a.types);
    if (callee.typeArgs?.length === 1 && ['As', 'GetValueOrDefault', 'Value', 'ToObject'].includes(callee.name)) {
      type = this.staticTypeOf(callee.typeArgs[0]!);
    }
    return this.withOut(a, `R.call(${target.code}, ${name}, ${typeArgs}, ${a.list}, ${a.named})`, type);
  }

  private withOut(a: { before: string[]; after: string[] }, call: string, type: StaticType): Generated {
    if (a.before.length === 0) return { code: call, type };
    const result = this.temp();
    return { code: `(${a.before.join(', ')}, ${result} = ${call}, ${a.after.join(', ')}, ${result})`, type };
  }

  private newObject(e: Extract<Expr, { kind: 'new' }>): Generated {
    const type = this.typeRef(e.type);
    const a = this.args(e.args);
    let code = `R.construct(${type}, ${this.constant(JSON.stringify(e.type.args.map(typeText)))}, ${a.list})`;
    const init = e.init;
    if (init) {
      const obj = this.temp();
      const steps: string[] = [];
      if (init.kind === 'object') {
        for (const m of init.members) steps.push(`R.setMember(${obj}, ${JSON.stringify(m.name)}, ${this.expr(m.value).code})`);
      } else if (init.kind === 'collection') {
        for (const item of init.items) steps.push(`R.call(${obj}, "Add", R.NO_TYPES, [${item.map((i) => this.expr(i).code).join(', ')}], null)`);
      } else {
        for (const entry of init.entries) steps.push(`R.setIndex(${obj}, ${this.expr(entry.keys[0]!).code}, ${this.expr(entry.value).code})`);
      }
      code = `(${obj} = ${code}, ${steps.join(', ')}${steps.length ? ', ' : ''}${obj})`;
    }
    const created = normalizeTypeName(e.type.name);
    return this.withOut(a, code, e.type.args.length ? typeText(e.type) : created);
  }

  protected lambda(params: readonly string[], body: Expr | Stmt): string {
    const outerFrame = this.frame;
    const outerPending = this.pending;
    this.frame = { temps: 0, declared: [] };
    this.pending = [];
    try {
      return this.withScope(() => {
        const names = params.map((p) => this.declareLocal(p, null, 0));
        let inner: string;
        if (body.kind === 'block') inner = this.statementCode(body as Stmt);
        else inner = `return ${this.expr(body as Expr).code};`;
        const decls = [...this.frame.declared, ...this.pending];
        return `((${names.join(', ')}) => { ${decls.length ? `let ${decls.join(', ')}; ` : ''}${inner} })`;
      });
    } finally {
      this.frame = outerFrame;
      this.pending = outerPending;
    }
  }

  /** Implemented by the statement generator (block-bodied lambdas). */
  protected statementCode(_stmt: Stmt): string {
    return this.fail('statement bodies are not supported here', _stmt.pos);
  }

  private interpolated(e: Extract<Expr, { kind: 'interpolated' }>): Generated {
    const pieces: string[] = [];
    e.parts.forEach((part, i) => {
      if (part) pieces.push(JSON.stringify(part));
      const hole = e.holes[i];
      if (!hole) return;
      const value = this.expr(hole.expr).code;
      if (hole.alignment === null && hole.format === null) pieces.push(`R.str(${value})`);
      else pieces.push(`R.formatValue(${value}, ${JSON.stringify(hole.alignment)}, ${JSON.stringify(hole.format)})`);
    });
    return { code: pieces.length ? `(${pieces.join(' + ')})` : '""', type: 'string' };
  }
}
