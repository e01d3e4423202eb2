/** The syntax tree's depth bound: code generation recurses once per level. */
import { MAX_NESTING, SourceError } from './lexer.ts';

/**
 * Throws at the first node nested more than MAX_NESTING levels deep. Parsing
 * bounds its own recursion, but chains (`a + b + …`, `x.A.B…`, `f()()…`) are
 * parsed in loops and still build deep trees. Walks with its own stack.
 */
export function checkNesting(root: object): void {
  const pending: [value: unknown, depth: number][] = [[root, 0]];
  while (pending.length > 0) {
    const [value, depth] = pending.pop()!;
    if (value === null || typeof value !== 'object') continue;
    const node = value as { kind?: unknown; pos?: unknown };
    const level = typeof node.kind === 'string' ? depth + 1 : depth;
    if (level > MAX_NESTING) throw new SourceError(`expression nests more than ${MAX_NESTING} levels deep`, typeof node.pos === 'number' ? node.pos : 0);
    for (const child of Object.values(value)) pending.push([child, level]);
  }
}
