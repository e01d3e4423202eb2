import type { SourceLocation } from './diagnostics.ts';
import type { CompiledExpression } from './expression/index.ts';
import type { RequestContext } from './context/request-context.ts';
import type { PolicyServices } from './services.ts';

/**
 * The shapes every part of the policy engine agrees on: the parsed policy
 * document (PolicyElement), what each policy provides (PolicyDefinition: a
 * compile step run once per snapshot), and what compiling yields
 * (PolicyStep: run once per request on a RequestContext).
 */

export type Section = 'inbound' | 'backend' | 'outbound' | 'on-error';
export const SECTIONS: readonly Section[] = ['inbound', 'backend', 'outbound', 'on-error'];

/** Broad to narrow. */
export type Scope = 'global' | 'product' | 'api' | 'operation';

export interface PolicyAttribute {
  readonly name: string;
  /** As written, with `{{named values}}` substituted. */
  readonly value: string;
  readonly location: SourceLocation;
  /** A secret named value was substituted into it: never print `value`. */
  readonly secret: boolean;
}

/** One element of a policy document, after expressions and named values are in place. */
export interface PolicyElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, PolicyAttribute>;
  /** Child elements in document order (comments dropped). */
  readonly children: readonly PolicyElement[];
  /**
   * The element's text content when it has no child elements (set-body,
   * value, set-method, message …), with CDATA unwrapped and named values
   * substituted; undefined when empty.
   */
  readonly text: PolicyAttribute | undefined;
  readonly location: SourceLocation;
}

/** Where a compiled step sits; becomes context.LastError's Scope, Section, Path and PolicyId. */
export interface StepOrigin {
  readonly policy: string;
  readonly scope: Scope;
  readonly section: Section;
  /** `choose[1]/when[2]/set-header[1]` */
  readonly path: string;
  readonly id: string | undefined;
  readonly location: SourceLocation;
}

/**
 * A compiled policy. `run` may return a promise only when it truly waits
 * (a body read, a backend call, a store round trip): synchronous steps keep
 * the hot path free of microtask hops.
 */
export interface PolicyStep {
  readonly origin: StepOrigin;
  /** The step reads the current message body (the pipeline buffers it first). */
  readonly usesBody: boolean;
  run(context: RequestContext): void | Promise<void>;
}

/** Produces the string value of an attribute or text: a constant, or an expression evaluated per request. */
export type ValueOf<T> = (context: RequestContext) => T;

/** What a policy's compile function gets to turn its element into a step. */
export interface PolicyCompiler {
  readonly services: PolicyServices;
  readonly origin: StepOrigin;
  /** Compiled once; throws PolicyCompileError with the attribute's location. */
  expression(source: PolicyAttribute): CompiledExpression;
  /** A required attribute's value (constant or expression), converted to string; missing → PolicyCompileError. */
  string(element: PolicyElement, attribute: string): ValueOf<string>;
  optionalString(element: PolicyElement, attribute: string): ValueOf<string> | undefined;
  /** Integer / boolean attributes: constants are checked at compile time, expressions per request. */
  integer(element: PolicyElement, attribute: string, fallback?: number): ValueOf<number>;
  boolean(element: PolicyElement, attribute: string, fallback?: boolean): ValueOf<boolean>;
  /** An attribute that may not hold an expression (`name` of set-variable …): the literal, or a located error. */
  literal(element: PolicyElement, attribute: string): string;
  optionalLiteral(element: PolicyElement, attribute: string): string | undefined;
  /** Constant-only attribute restricted to a set of values. */
  choice<T extends string>(element: PolicyElement, attribute: string, allowed: readonly T[], fallback?: T): T;
  /** The element's text content as a value (constant or expression); undefined when empty. */
  text(element: PolicyElement): ValueOf<string> | undefined;
  /** Compiles nested policies (choose/when, retry, wait) in the current section and scope, extending the path. */
  steps(elements: readonly PolicyElement[], pathPrefix: string): readonly PolicyStep[];
  /** A located error for this element (unknown attribute value, missing child …). */
  fail(message: string, at?: PolicyElement | PolicyAttribute): never;
}

export interface PolicyDefinition {
  readonly name: string;
  /** Sections the policy may appear in (APIM-REFERENCE §4 "S"). */
  readonly sections: readonly Section[];
  /** Attributes the element accepts besides `id`; anything else is a located error. Omit to skip the check. */
  readonly attributes?: readonly string[];
  compile(element: PolicyElement, compiler: PolicyCompiler): PolicyStep['run'] | { run: PolicyStep['run']; usesBody?: boolean };
}
