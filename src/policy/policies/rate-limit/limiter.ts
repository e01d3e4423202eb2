import type { RequestContext } from '../../context/request-context.ts';
import { PolicyFailure } from '../../failure.ts';
import type { StateStore } from '../../../state/store.ts';
import type { PolicyCompiler, PolicyElement, ValueOf } from '../../types.ts';

/**
 * What rate-limit and rate-limit-by-key share: counting a call in a sliding
 * window (semantics in src/state/store.ts), the APIM 429 refusal, and the
 * retry-after / remaining-calls / total-calls headers and variables.
 */

export const REPORTING_ATTRIBUTES = ['retry-after-header-name', 'retry-after-variable-name', 'remaining-calls-header-name', 'remaining-calls-variable-name', 'total-calls-header-name'] as const;

export interface Reporting {
  retryAfterHeader: string;
  retryAfterVariable: string | undefined;
  remainingHeader: string | undefined;
  remainingVariable: string | undefined;
  totalHeader: string | undefined;
}

export function compileReporting(element: PolicyElement, compiler: PolicyCompiler): Reporting {
  return {
    retryAfterHeader: compiler.optionalLiteral(element, 'retry-after-header-name') ?? 'Retry-After',
    retryAfterVariable: compiler.optionalLiteral(element, 'retry-after-variable-name'),
    remainingHeader: compiler.optionalLiteral(element, 'remaining-calls-header-name'),
    remainingVariable: compiler.optionalLiteral(element, 'remaining-calls-variable-name'),
    totalHeader: compiler.optionalLiteral(element, 'total-calls-header-name'),
  };
}

export interface Window {
  key: string;
  calls: number;
  periodSeconds: number;
}

/** Observed APIM text; LastError.Message is the shorter `Rate limit is exceeded`. */
function rateLimitExceeded(retryAfterSeconds: number, reporting: Reporting, context: RequestContext): PolicyFailure {
  if (reporting.retryAfterVariable) context.variables.set(reporting.retryAfterVariable, retryAfterSeconds);
  return new PolicyFailure(429, 'RateLimitExceeded', `Rate limit is exceeded. Try again in ${retryAfterSeconds} seconds.`, {
    headers: { [reporting.retryAfterHeader]: String(retryAfterSeconds) },
    lastErrorMessage: 'Rate limit is exceeded',
  });
}

/** Counts `amount` (0: check only) in each window; refuses when one is full. Returns the tightest remaining count. */
export async function consumeWindows(store: StateStore, windows: readonly Window[], amount: number, reporting: Reporting, context: RequestContext): Promise<number> {
  let remaining = Number.POSITIVE_INFINITY;
  for (const window of windows) {
    const result = await store.consumeRate({ key: window.key, limit: window.calls, periodSeconds: window.periodSeconds, amount });
    if (!result.allowed) throw rateLimitExceeded(Math.max(1, result.retryAfterSeconds), reporting, context);
    remaining = Math.min(remaining, result.remaining);
  }
  return remaining;
}

/** Sets the remaining-calls variable now and the headers on whatever response goes out. */
export function report(reporting: Reporting, context: RequestContext, remaining: () => number, total: number): void {
  if (reporting.remainingVariable) context.variables.set(reporting.remainingVariable, remaining());
  if (!reporting.remainingHeader && !reporting.totalHeader) return;
  context.beforeResponse.push(() => {
    if (reporting.remainingHeader) context.response.headers.set(reporting.remainingHeader, [String(remaining())]);
    if (reporting.totalHeader) context.response.headers.set(reporting.totalHeader, [String(total)]);
  });
}

/** A positive whole number constant (calls, renewal-period) checked at compile time. */
export function positiveConstant(element: PolicyElement, compiler: PolicyCompiler, attribute: string, max?: number): number {
  const text = compiler.literal(element, attribute);
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) compiler.fail(`${element.name}: ${attribute} must be a positive whole number, not "${text}"`, element.attributes.get(attribute));
  if (max !== undefined && value > max) compiler.fail(`${element.name}: ${attribute} may be at most ${max}`, element.attributes.get(attribute));
  return value;
}

export type { ValueOf };
