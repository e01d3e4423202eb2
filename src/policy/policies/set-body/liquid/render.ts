import type { Condition, Expr, Filtered } from './expression.ts';
import type { Filter } from './filters.ts';
import type { Node } from './template.ts';
import { equals, lookup, toText, truthy } from './values.ts';

/** Renders a parsed template against top-level variables (`body`, `context`). */

/** Upper bound on loop iterations per template, so a huge range cannot hang a worker. */
const MAX_ITERATIONS = 100_000;

/** break/continue unwinding to the enclosing for, carrying what was rendered before it. */
class LoopControl {
  readonly kind: 'break' | 'continue';
  partial = '';
  constructor(kind: 'break' | 'continue') {
    this.kind = kind;
  }
}

interface Scope {
  readonly variables: Map<string, unknown>;
  readonly filters: ReadonlyMap<string, Filter>;
  iterations: number;
}

export function render(nodes: readonly Node[], globals: Record<string, unknown>, filters: ReadonlyMap<string, Filter>): string {
  const scope: Scope = { variables: new Map(Object.entries(globals)), filters, iterations: 0 };
  return renderNodes(nodes, scope);
}

function renderNodes(nodes: readonly Node[], scope: Scope): string {
  let out = '';
  try {
    for (const node of nodes) out += renderNode(node, scope);
  } catch (error) {
    if (error instanceof LoopControl) error.partial = out + error.partial;
    throw error;
  }
  return out;
}

function renderNode(node: Node, scope: Scope): string {
  switch (node.kind) {
    case 'text':
      return node.text;
    case 'output':
      return toText(evaluateFiltered(node.expr, scope));
    case 'assign':
      scope.variables.set(node.name, evaluateFiltered(node.expr, scope));
      return '';
    case 'capture':
      scope.variables.set(node.name, renderNodes(node.body, scope));
      return '';
    case 'if': {
      const branch = node.branches.find((candidate) => test(candidate.condition, scope) !== candidate.negate);
      return renderNodes(branch?.body ?? node.otherwise, scope);
    }
    case 'case': {
      const subject = evaluate(node.subject, scope);
      const match = node.whens.find((when) => when.values.some((value) => equals(subject, evaluate(value, scope))));
      return renderNodes(match?.body ?? node.otherwise, scope);
    }
    case 'for':
      return renderFor(node, scope);
    case 'break':
    case 'continue':
      throw new LoopControl(node.kind);
  }
}

function renderFor(node: Extract<Node, { kind: 'for' }>, scope: Scope): string {
  let items = iterable(evaluate(node.collection, scope));
  const offset = node.offset ? Number(evaluate(node.offset, scope)) : 0;
  const limit = node.limit ? Number(evaluate(node.limit, scope)) : undefined;
  items = items.slice(offset, limit === undefined ? undefined : offset + limit);
  if (node.reversed) items = items.reverse();
  if (items.length === 0) return renderNodes(node.otherwise, scope);
  const saved = scope.variables.get(node.variable);
  const savedLoop = scope.variables.get('forloop');
  let out = '';
  for (let index = 0; index < items.length; index++) {
    if (++scope.iterations > MAX_ITERATIONS) throw new Error(`liquid: more than ${MAX_ITERATIONS} loop iterations`);
    scope.variables.set(node.variable, items[index]);
    scope.variables.set('forloop', { index: index + 1, index0: index, rindex: items.length - index, rindex0: items.length - index - 1, first: index === 0, last: index === items.length - 1, length: items.length });
    try {
      out += renderNodes(node.body, scope);
    } catch (error) {
      if (!(error instanceof LoopControl)) throw error;
      out += error.partial;
      if (error.kind === 'break') break;
    }
  }
  scope.variables.set(node.variable, saved);
  scope.variables.set('forloop', savedLoop);
  return out;
}

function iterable(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  if (value === null || value === undefined || value === false) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (typeof value === 'object' && Symbol.iterator in value) return [...(value as Iterable<unknown>)];
  if (typeof value === 'object') return Object.entries(value).map(([key, item]) => [key, item]);
  return [value];
}

function evaluate(expr: Expr, scope: Scope): unknown {
  switch (expr.kind) {
    case 'literal':
      return expr.value;
    case 'range': {
      const from = Math.trunc(Number(evaluate(expr.from, scope)));
      const to = Math.trunc(Number(evaluate(expr.to, scope)));
      if (to - from > MAX_ITERATIONS) throw new Error(`liquid: range (${from}..${to}) is too large`);
      const values: number[] = [];
      for (let n = from; n <= to; n++) values.push(n);
      return values;
    }
    case 'path': {
      let value = scope.variables.get(expr.root);
      for (const step of expr.steps) value = lookup(value, typeof step === 'string' ? step : evaluate(step, scope));
      return value;
    }
  }
}

function evaluateFiltered(expr: Filtered, scope: Scope): unknown {
  let value = evaluate(expr.value, scope);
  for (const call of expr.filters) {
    const filter = scope.filters.get(call.name)!;
    value = filter(value, ...call.args.map((arg) => evaluate(arg, scope)));
  }
  return value;
}

function test(condition: Condition, scope: Scope): boolean {
  if (condition.kind !== 'test') return condition.kind === 'and' ? test(condition.left, scope) && test(condition.right, scope) : test(condition.left, scope) || test(condition.right, scope);
  const left = evaluate(condition.left, scope);
  if (condition.op === undefined) return truthy(left);
  const right = evaluate(condition.right!, scope);
  switch (condition.op) {
    case '==': return equals(left, right);
    case '!=':
    case '<>': return !equals(left, right);
    case '<': return compare(left, right) < 0;
    case '>': return compare(left, right) > 0;
    case '<=': return compare(left, right) <= 0;
    case '>=': return compare(left, right) >= 0;
    case 'contains':
      if (typeof left === 'string') return left.includes(toText(right));
      if (Array.isArray(left)) return left.some((item) => equals(item, right));
      return false;
    default: return false;
  }
}

function compare(left: unknown, right: unknown): number {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  if (left === null || left === undefined || right === null || right === undefined) return Number.NaN;
  const a = toText(left);
  const b = toText(right);
  return a < b ? -1 : a > b ? 1 : 0;
}
