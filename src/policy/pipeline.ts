import { STATUS_CODES } from 'node:http';
import { errorBody, MESSAGES } from '../gateway/responses.ts';
import { BodyTooLargeError } from './context/body.ts';
import type { RequestContext } from './context/request-context.ts';
import type { LastError } from './context/views.ts';
import { PolicyFailure } from './failure.ts';
import type { PolicyStep, Section, StepOrigin } from './types.ts';

/**
 * Runs compiled policies on a request (APIM-REFERENCE §3.1, §3.5): inbound,
 * backend, outbound in order; a policy that answers (return-response …) ends
 * the pipeline; any error becomes context.LastError plus the APIM error
 * response, then on-error runs and may change that response.
 */

export interface SectionSteps {
  readonly inbound: readonly PolicyStep[];
  readonly backend: readonly PolicyStep[];
  readonly outbound: readonly PolicyStep[];
  readonly onError: readonly PolicyStep[];
}

/** An error raised by a step, carrying where it happened; nested steps keep the innermost origin. */
export class StepError extends Error {
  readonly origin: StepOrigin;

  constructor(origin: StepOrigin, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'StepError';
    this.origin = origin;
  }
}

/**
 * A backend call that failed; `reason` is APIM's LastError reason. Thrown by
 * forward-request (and send-request without ignore-error).
 */
export class BackendError extends Error {
  readonly reason: 'Timeout' | 'BackendConnectionFailure' | 'ClientConnectionFailure';

  constructor(reason: BackendError['reason'], message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'BackendError';
    this.reason = reason;
  }
}

/** forward-request fail-on-error-status-code: the backend's 4xx/5xx answer, kept as the response, sends the request to on-error. */
export class BackendStatusError extends Error {
  readonly statusCode: number;

  constructor(statusCode: number) {
    super(`The backend responded with status code ${statusCode}`);
    this.name = 'BackendStatusError';
    this.statusCode = statusCode;
  }
}

export interface PipelineOptions {
  /** gateway.backendFailure.statusCodes=proxy: 502/504 instead of APIM's 500. */
  readonly proxyFailureStatus: boolean;
}

/**
 * Runs steps in order from `from`, stopping once a step ends the pipeline.
 * Stays synchronous while the steps are: a promise is returned only when a
 * step (or a body read) actually waits.
 */
export function runSteps(steps: readonly PolicyStep[], context: RequestContext, from = 0): void | Promise<void> {
  for (let i = from; i < steps.length; i++) {
    if (context.ended) return;
    const step = steps[i]!;
    if (step.usesBody) {
      const loading = loadBodies(context);
      if (loading !== undefined) {
        // Once loaded, the bodies stay loaded: running from this step again goes straight to it.
        return loading.then(() => runSteps(steps, context, i), (error: unknown) => {
          throw located(error, step);
        });
      }
    }
    let result: void | Promise<void>;
    try {
      result = step.run(context);
    } catch (error) {
      throw located(error, step);
    }
    if (result !== undefined) {
      return result.then(() => runSteps(steps, context, i + 1), (error: unknown) => {
        throw located(error, step);
      });
    }
  }
}

function located(error: unknown, step: PolicyStep): StepError {
  return error instanceof StepError ? error : new StepError(step.origin, error);
}

/** Loads the body the current section works on; undefined when there is nothing to wait for. */
function loadBodies(context: RequestContext): Promise<unknown> | undefined {
  const { section } = context;
  const request = section !== 'outbound' ? context.request.body : null;
  const response = section === 'outbound' || section === 'on-error' ? context.response.body : null;
  const pending: Promise<unknown>[] = [];
  if (request && !request.loaded) pending.push(request.load());
  if (response && !response.loaded) pending.push(response.load());
  if (pending.length === 0) return undefined;
  return pending.length === 1 ? pending[0] : Promise.all(pending);
}

/**
 * Runs a whole plan; afterwards context.response is what the client gets.
 * Never rejects. Stays synchronous section to section while the steps are
 * (usually only forward-request waits): no promise per section on the hot path.
 */
export function executePlan(plan: SectionSteps, context: RequestContext, options: PipelineOptions): Promise<void> {
  let pending: void | Promise<void>;
  try {
    pending = runSection('inbound', plan.inbound, context);
    if (pending === undefined) pending = runSection('backend', plan.backend, context);
    else pending = pending.then(() => runSection('backend', plan.backend, context));
    if (pending === undefined) pending = runSection('outbound', plan.outbound, context);
    else pending = pending.then(() => runSection('outbound', plan.outbound, context));
  } catch (error) {
    return handleError(plan, context, error, options);
  }
  if (pending === undefined) return finishResponse(context);
  return pending.then(() => finishResponse(context), (error: unknown) => handleError(plan, context, error, options));
}

/**
 * Runs on-error for an error raised outside the plan's steps (no operation
 * of the API matched): LastError and the APIM response as for any error.
 */
export function executeOnError(plan: SectionSteps, context: RequestContext, error: unknown, options: PipelineOptions): Promise<void> {
  return handleError(plan, context, error, options);
}

async function handleError(plan: SectionSteps, context: RequestContext, error: unknown, options: PipelineOptions): Promise<void> {
  failRequest(context, error, options);
  context.ended = false;
  try {
    await runSection('on-error', plan.onError, context);
  } catch (secondError) {
    // A failing on-error handler cannot be handled again: the caller gets the plain error response.
    failRequest(context, secondError, options);
  }
  await finishResponse(context);
}

const DONE = Promise.resolve();

async function runTasks(context: RequestContext): Promise<void> {
  for (const task of context.beforeResponse) {
    try {
      await task(context);
    } catch (error) {
      // Bookkeeping must not turn a served request into an error.
      context.lastError ??= lastError(context.section, undefined, 'gateway', 'DeferredTaskFailed', error instanceof Error ? error.message : String(error));
    }
  }
}

function finishResponse(context: RequestContext): Promise<void> {
  return context.beforeResponse.length === 0 ? DONE : runTasks(context);
}

function runSection(section: Section, steps: readonly PolicyStep[], context: RequestContext): void | Promise<void> {
  if (context.ended || steps.length === 0) return;
  context.section = section;
  return runSteps(steps, context);
}

/** Records LastError and prepares the error response the caller gets unless on-error changes it. */
function failRequest(context: RequestContext, error: unknown, options: PipelineOptions): void {
  const origin = error instanceof StepError ? error.origin : undefined;
  const cause = error instanceof StepError ? error.cause : error;
  const record = (source: string, reason: string, message: string): void => {
    context.lastError = lastError(context.section, origin, source, reason, message);
  };
  if (cause instanceof PolicyFailure) {
    record(origin?.policy ?? 'configuration', cause.reason, cause.lastErrorMessage);
    context.response.reset(cause.statusCode, STATUS_CODES[cause.statusCode] ?? '', errorBody(cause.statusCode, cause.message), 'application/json');
    for (const name in cause.headers) context.response.headers.set(name, [cause.headers[name]!]);
    return;
  }
  if (cause instanceof BackendError) {
    record(origin?.policy ?? 'forward-request', cause.reason, cause.message);
    const status = options.proxyFailureStatus ? (cause.reason === 'Timeout' ? 504 : 502) : 500;
    const message = options.proxyFailureStatus ? cause.message : MESSAGES.internal;
    context.response.reset(status, STATUS_CODES[status]!, errorBody(status, message, context.requestId), 'application/json');
    return;
  }
  if (cause instanceof BackendStatusError) {
    record(origin?.policy ?? 'forward-request', 'BackendStatusCode', cause.message);
    return;
  }
  if (cause instanceof BodyTooLargeError) {
    record(origin?.policy ?? 'configuration', 'BodyTooLarge', cause.message);
    context.response.reset(413, STATUS_CODES[413]!, errorBody(413, 'Request entity too large'), 'application/json');
    return;
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  record(origin?.policy ?? 'configuration', 'ExpressionValueEvaluationFailure', `Expression evaluation failed. ${message}`);
  context.response.reset(500, STATUS_CODES[500]!, errorBody(500, MESSAGES.internal, context.requestId), 'application/json');
}

function lastError(section: Section, origin: StepOrigin | undefined, source: string, reason: string, message: string): LastError {
  return Object.freeze({
    Source: source,
    Reason: reason,
    Message: message,
    Scope: origin?.scope ?? '',
    Section: origin?.section ?? section,
    Path: origin?.path ?? '',
    PolicyId: origin?.id ?? '',
  });
}
