/**
 * Compiles APIM policy expressions (`@(…)`, `@{…}`) once, at config-apply
 * time, into plain JS functions over the `context` host object.
 */
import { advanceLocation, PolicyCompileError, type SourceLocation } from '../diagnostics.ts';
import type { Stmt } from './compiler/ast.ts';
import { SourceError } from './compiler/lexer.ts';
import { checkNesting } from './compiler/nesting.ts';
import { StatementGenerator, endReachable } from './compiler/statement-codegen.ts';
import { StatementParser } from './compiler/statements.ts';
import { expressionEnd } from './extent.ts';
import { RUNTIME } from './runtime/dispatch.ts';
import { typeInfo } from './runtime/registry.ts';

export interface CompiledExpression {
  (context: unknown): unknown;
  readonly source: string;
  readonly usesBody: boolean;
}

/** True when the whole (trimmed) value is one `@(…)` or `@{…}` expression. */
export function isExpression(value: string): boolean {
  const text = value.trim();
  return text.startsWith('@') && expressionEnd(text, 0) === text.length;
}

export function compileExpression(source: string, at: SourceLocation): CompiledExpression {
  const located = (message: string, offset: number) => new PolicyCompileError(message, advanceLocation(at, source, offset));
  const end = expressionEnd(source, 0);
  if (end === -1) throw located('policy expression must be @(…) or @{…} with balanced brackets', 0);
  if (source.slice(end).trim() !== '') throw located('text after the end of the policy expression', end);
  const block = source[1] === '{';
  const generator = new StatementGenerator();
  let body: string;
  try {
    const parser = new StatementParser(source, 2, end - 1);
    if (block) {
      const statements: Stmt[] = parser.parseBody();
      checkNesting(statements);
      if (endReachable(statements)) throw new SourceError('not all code paths return a value', end - 1);
      body = generator.body(statements);
    } else {
      const expression = parser.parseWholeExpression();
      checkNesting(expression);
      body = `return ${generator.expr(expression).code};`;
    }
  } catch (error) {
    if (error instanceof SourceError) throw located(error.message, error.offset);
    throw error;
  }
  const temps = generator.declaredTemps();
  const code = `"use strict";\n${generator.hoisted()}\nreturn function expression(context) {\n${temps.length ? `let ${temps.join(', ')};\n` : ''}${body}\n};`;
  const evaluate = new Function('R', 'T', code)(RUNTIME, typeInfo) as (context: unknown) => unknown;
  const compiled = (context: unknown) => evaluate(context) ?? null;
  return Object.assign(compiled, { source, usesBody: generator.usesBody });
}
