/**
 * Turns the syntax tree into JS source. Locals become `L_<name>`, runtime
 * helpers are reached as `R.<helper>`, types as hoisted constants; literals
 * always go through JSON.stringify, so no source text is spliced into code.
 */
import type { Argument, Expr, Stmt, TypeRef } from './ast.ts';
import { SourceError } from './lexer.ts';
import { PREDEFINED_TYPES } from './parser.ts';
import { callType, isFloating, isIntegral, isNumeric, memberType, normalizeTypeName, promote, type StaticType } from './static-types.ts';
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

const PRIMITIVE_EQUALITY = new Set(['string', 'char', 'bool', 'int', 'long', 'short', 'byte', 'sbyte', 'uint', 'ulong', 'ushort', 'double', 'float', 'decimal']);

export class ExpressionGenerator {
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
    const js = `L_${name}`;
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

  expr(e: Expr): Generated {
    switch (e.kind) {
      case 'literal':
        return { code: e.value === null ? 'null' : JSON.stringify(e.value), type: e.type === 'null' ? null : e.type };
      case 'name':
        return this.name(e.name, e.pos);
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
      case 'typeof':
        return this.fail('typeof is not supported in policy expressions', e.pos);
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

  private name(name: string, pos: number): Generated {
    const local = this.scope.find(name);
    if (local) return { code: local.js, type: local.type };
    if (name === 'context') return { code: 'context', type: null };
    if (PREDEFINED_TYPES.has(name)) return this.fail(`'${name}' is a type, which is not valid in the given context`, pos);
    return this.fail(`the name '${name}' does not exist in the current context`, pos);
  }

  /** `System.Text.Encoding` style chains: the dotted name when `e` is made only of names not bound to locals. */
  protected qualifiedName(e: Expr): string | null {
    if (e.kind === 'name') return this.scope.find(e.name) || e.name === 'context' || e.typeArgs ? null : e.name;
    if (e.kind === 'member' && !e.typeArgs) {
      const left = this.qualifiedName(e.target);
      return left === null ? null : `${left}.${e.name}`;
    }
    return null;
  }

  /** Resolves the target of a member access to a type when it names one (static access). */
  protected staticTarget(target: Expr): { code: string; type: string } | null {
    const qualified = this.qualifiedName(target);
    if (qualified === null) return null;
    const resolved = resolveTypeName(qualified, target.pos, true);
    if (resolved === null) {
      if (target.kind === 'name' && !/^(System|Newtonsoft|Microsoft)$/.test(qualified)) this.name(qualified, target.pos);
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

  private unary(op: string, operand: Generated): Generated {
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
        if (left.type === 'string' || right.type === 'string') return { code: `R.concat(${l}, ${r})`, type: 'string' };
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

  private binary(op: string, leftExpr: Expr, rightExpr: Expr): Generated {
    return this.binaryCode(op, this.expr(leftExpr), this.expr(rightExpr));
  }

  /** Read, modify and write back a name, member or indexer; temporaries keep each operand evaluated once. */
  private access(target: Expr): { read: string; write: (value: string) => string; setup: string[]; type: StaticType } {
    if (target.kind === 'name') {
      const local = this.scope.find(target.name);
      if (!local) {
        if (target.name === 'context') this.fail('context is read-only', target.pos);
        this.name(target.name, target.pos);
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

  private assign(op: string, target: Expr, valueExpr: Expr): Generated {
    const place = this.access(target);
    const value = this.expr(valueExpr);
    let code: string;
    if (op === '=') code = place.write(value.code);
    else if (op === '??=') code = `${place.read} ?? (${place.write(value.code)})`;
    else code = place.write(this.binaryCode(op.slice(0, -1), { code: place.read, type: place.type }, value).code);
    return { code: `(${[...place.setup, code].join(', ')})`, type: place.type ?? value.type };
  }

  private update(op: '++' | '--', prefix: boolean, target: Expr): Generated {
    const place = this.access(target);
    const next = `${place.read} ${op === '++' ? '+' : '-'} 1`;
    if (prefix) return { code: `(${[...place.setup, place.write(next)].join(', ')})`, type: place.type };
    const old = this.temp();
    return { code: `(${[...place.setup, `${old} = ${place.read}`, place.write(`${old} ${op === '++' ? '+' : '-'} 1`), old].join(', ')})`, type: place.type };
  }

  protected typeCheck(type: TypeRef): string {
    const resolved = resolveTypeName(type.name, type.pos)!;
    const text = type.arrayRank > 0 ? typeText(type) : resolved;
    return this.constant(`R.typeTest(${JSON.stringify(text)}, T)`);
  }

  private cast(type: TypeRef, operand: Generated): Generated {
    resolveTypeName(type.name, type.pos);
    const target = this.staticTypeOf(type);
    const text = type.arrayRank > 0 ? typeText(type) : normalizeTypeName(type.name);
    const conversion = isNumeric(operand.type) || operand.type === 'char';
    return {
      code: `R.cast(${operand.code}, ${JSON.stringify(text)}, ${type.nullable}, ${conversion}, ${this.typeCheck(type)})`,
      type: type.nullable ? null : target,
    };
  }

  private isExpression(e: Extract<Expr, { kind: 'is' }>): Generated {
    const operand = this.expr(e.operand);
    if (e.pattern) return { code: `R.equals(${operand.code}, ${this.expr(e.pattern).code})`, type: 'bool' };
    const test = this.typeCheck(e.type!);
    if (!e.declares) return { code: `${test}(${operand.code})`, type: 'bool' };
    const js = this.declareLocal(e.declares, this.staticTypeOf(e.type), e.pos);
    this.pending.push(js);
    return { code: `${test}(${js} = ${operand.code})`, type: 'bool' };
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

export function defaultValueCode(type: StaticType): string {
  if (isNumeric(type)) return '0';
  if (type === 'bool') return 'false';
  if (type === 'char') return '"\\u0000"';
  return 'null';
}
