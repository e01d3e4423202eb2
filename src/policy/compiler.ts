import { PolicyCompileError } from './diagnostics.ts';
import { compileExpression, isExpression, type CompiledExpression } from './expression/index.ts';
import { formatBoolean, formatNumber } from './expression/dotnet/format.ts';
import { advanceLocation } from './diagnostics.ts';
import type { PolicyAttribute, PolicyCompiler, PolicyElement, PolicyStep, StepOrigin, ValueOf } from './types.ts';
import { closest } from '../text.ts';

/**
 * The PolicyCompiler a definition's compile function receives: typed access
 * to attributes and text (constants checked now, expressions compiled now and
 * evaluated per request), nested policies, located failures.
 */

/** What ElementCompiler needs from the document compiler: compiling nested policies in the same scope and section. */
export interface NestedCompiler {
  compileNested(elements: readonly PolicyElement[], parent: StepOrigin, pathPrefix: string): readonly PolicyStep[];
}

/** How .NET turns an expression's result into attribute text (`true` → `True`, null → empty). */
export function toPolicyString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  if (typeof value === 'boolean') return formatBoolean(value);
  if (typeof value === 'number') return formatNumber(value);
  const toString = (value as { ToString?: unknown }).ToString;
  if (typeof toString === 'function') return String(toString.call(value));
  return String(value);
}

const INTEGER = /^[+-]?[0-9]+$/;

function parseInteger(text: string): number | undefined {
  const trimmed = text.trim();
  return INTEGER.test(trimmed) ? Number(trimmed) : undefined;
}

function parseBoolean(text: string): boolean | undefined {
  const lowered = text.trim().toLowerCase();
  return lowered === 'true' ? true : lowered === 'false' ? false : undefined;
}

export class ElementCompiler implements PolicyCompiler {
  readonly services: PolicyCompiler['services'];
  readonly origin: StepOrigin;
  readonly #nested: NestedCompiler;
  /** Some expression of this step reads the message body. */
  usesBody = false;

  constructor(services: PolicyCompiler['services'], origin: StepOrigin, nested: NestedCompiler) {
    this.services = services;
    this.origin = origin;
    this.#nested = nested;
  }

  expression(source: PolicyAttribute): CompiledExpression {
    // Whitespace around an expression (`condition=" @(…) "`, text on its own lines) is not part of it.
    const leading = source.value.length - source.value.trimStart().length;
    const compiled = compileExpression(source.value.trim(), advanceLocation(source.location, source.value, leading));
    if (compiled.usesBody) this.usesBody = true;
    return compiled;
  }

  #required(element: PolicyElement, attribute: string): PolicyAttribute {
    const found = element.attributes.get(attribute);
    if (found === undefined) this.fail(`${element.name}: attribute "${attribute}" is required`, element);
    return found;
  }

  #value(source: PolicyAttribute): ValueOf<string> {
    if (!isExpression(source.value)) {
      const constant = source.value;
      return () => constant;
    }
    const evaluate = this.expression(source);
    return (context) => toPolicyString(evaluate(context));
  }

  string(element: PolicyElement, attribute: string): ValueOf<string> {
    return this.#value(this.#required(element, attribute));
  }

  optionalString(element: PolicyElement, attribute: string): ValueOf<string> | undefined {
    const found = element.attributes.get(attribute);
    return found === undefined ? undefined : this.#value(found);
  }

  integer(element: PolicyElement, attribute: string, fallback?: number): ValueOf<number> {
    const found = element.attributes.get(attribute);
    if (found === undefined) {
      if (fallback === undefined) this.#required(element, attribute);
      return () => fallback!;
    }
    const message = `${element.name}: ${attribute} must be an integer`;
    if (!isExpression(found.value)) {
      const constant = parseInteger(found.value);
      if (constant === undefined) this.fail(`${message}, found "${found.value}"`, found);
      return () => constant;
    }
    const evaluate = this.expression(found);
    return (context) => {
      const result = evaluate(context);
      const number = typeof result === 'number' ? (Number.isInteger(result) ? result : undefined) : parseInteger(toPolicyString(result));
      if (number === undefined) throw new Error(`${message}; the expression gave "${toPolicyString(result)}"`);
      return number;
    };
  }

  boolean(element: PolicyElement, attribute: string, fallback?: boolean): ValueOf<boolean> {
    const found = element.attributes.get(attribute);
    if (found === undefined) {
      if (fallback === undefined) this.#required(element, attribute);
      return () => fallback!;
    }
    const message = `${element.name}: ${attribute} must be true or false`;
    if (!isExpression(found.value)) {
      const constant = parseBoolean(found.value);
      if (constant === undefined) this.fail(`${message}, found "${found.value}"`, found);
      return () => constant;
    }
    const evaluate = this.expression(found);
    return (context) => {
      const result = evaluate(context);
      const value = typeof result === 'boolean' ? result : parseBoolean(toPolicyString(result));
      if (value === undefined) throw new Error(`${message}; the expression gave "${toPolicyString(result)}"`);
      return value;
    };
  }

  literal(element: PolicyElement, attribute: string): string {
    const found = this.#required(element, attribute);
    return this.#literalValue(element, found);
  }

  optionalLiteral(element: PolicyElement, attribute: string): string | undefined {
    const found = element.attributes.get(attribute);
    return found === undefined ? undefined : this.#literalValue(element, found);
  }

  #literalValue(element: PolicyElement, found: PolicyAttribute): string {
    if (isExpression(found.value)) this.fail(`${element.name}: ${found.name} cannot be a policy expression`, found);
    return found.value;
  }

  choice<T extends string>(element: PolicyElement, attribute: string, allowed: readonly T[], fallback?: T): T {
    const found = element.attributes.get(attribute);
    if (found === undefined) {
      if (fallback === undefined) this.#required(element, attribute);
      return fallback!;
    }
    const value = this.#literalValue(element, found).trim();
    if (!(allowed as readonly string[]).includes(value)) {
      const near = closest(value, allowed);
      this.fail(`${element.name}: ${attribute} must be one of ${allowed.join(', ')}; found "${value}"${near ? ` (did you mean "${near}"?)` : ''}`, found);
    }
    return value as T;
  }

  text(element: PolicyElement): ValueOf<string> | undefined {
    return element.text === undefined ? undefined : this.#value(element.text);
  }

  steps(elements: readonly PolicyElement[], pathPrefix: string): readonly PolicyStep[] {
    return this.#nested.compileNested(elements, this.origin, pathPrefix);
  }

  fail(message: string, at?: PolicyElement | PolicyAttribute): never {
    throw new PolicyCompileError(message, at?.location ?? this.origin.location);
  }
}
