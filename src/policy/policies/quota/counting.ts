import type { RequestContext } from '../../context/request-context.ts';
import { PolicyFailure } from '../../failure.ts';
import type { QuotaResult, StateStore } from '../../../state/store.ts';
import { formatTimeSpan } from '../../../state/time-span.ts';

/**
 * What quota and quota-by-key share: a call limit and/or a bandwidth limit
 * (kilobytes) per fixed period (semantics in src/state/store.ts). Calls are
 * counted when admitted; bandwidth once the response size is known.
 */

export interface QuotaLimits {
  key: string;
  periodSeconds: number;
  periodStartMs?: number;
  calls?: number;
  kilobytes?: number;
}

/** APIM's texts: `Out of call volume quota. Quota will be replenished in 00:08:24.` (403 + Retry-After). */
function quotaExceeded(result: QuotaResult): PolicyFailure {
  const what = result.exceeded === 'bandwidth' ? 'Out of bandwidth quota.' : 'Out of call volume quota.';
  const renews = result.renewsInSeconds;
  const message = renews === null ? what : `${what} Quota will be replenished in ${formatTimeSpan(renews)}.`;
  return new PolicyFailure(403, 'QuotaExceeded', message, renews === null ? {} : { headers: { 'Retry-After': String(renews) } });
}

/** Refuses the call when a quota is already used up, counting nothing (a call one quota refuses must not count against another). */
export async function checkQuota(store: StateStore, limits: QuotaLimits): Promise<void> {
  const result = await store.consumeQuota({ ...limits, addCalls: 0, addKilobytes: 0 });
  if (!result.allowed) throw quotaExceeded(result);
}

/** What one request has already counted under a quota key: Learn, quota-by-key: "If multiple policies would increment the same key value, it is incremented only once per request." */
interface Counted {
  /** Calls counted at admission, deferred to an increment-condition, or not yet. */
  calls: 'now' | 'deferred' | undefined;
  /** How many calls were counted at admission (increment-count). */
  countedNow: number;
  bandwidth: boolean;
}

const countedByRequest = new WeakMap<RequestContext, Map<string, Counted>>();

/**
 * Checks the quota and counts the call; with an increment-condition the call
 * is only checked now and counted once the response is known (as
 * rate-limit-by-key does: the condition may test context.Response). A key a
 * policy earlier in the same request already counted is only checked against
 * this policy's limits (the request itself included), never counted again.
 * `increment` (quota-by-key increment-count) is how many calls the request counts for.
 */
export async function consumeQuota(store: StateStore, limits: QuotaLimits, context: RequestContext, condition?: (context: RequestContext) => boolean,
  increment: (context: RequestContext) => number = () => 1): Promise<void> {
  let keys = countedByRequest.get(context);
  if (!keys) countedByRequest.set(context, (keys = new Map()));
  let counted = keys.get(limits.key);
  if (!counted) keys.set(limits.key, (counted = { calls: undefined, countedNow: 0, bandwidth: false }));
  const countsCalls = limits.calls !== undefined && counted.calls === undefined;
  // Already counted at admission: `used` includes this request, so it may reach the limit but not pass it.
  const calls = limits.calls !== undefined && counted.calls === 'now' ? limits.calls + counted.countedNow : limits.calls;
  const now = countsCalls && !condition ? increment(context) : 0;
  const result = await store.consumeQuota({ ...limits, calls, addCalls: now, addKilobytes: 0 });
  if (!result.allowed) throw quotaExceeded(result);
  if (countsCalls) {
    counted.calls = condition ? 'deferred' : 'now';
    counted.countedNow = now;
  }
  if (countsCalls && condition) {
    context.beforeResponse.push(async () => {
      if (condition(context)) await store.addQuota({ ...limits, addCalls: increment(context), addKilobytes: 0 });
    });
  }
  if (limits.kilobytes !== undefined && !counted.bandwidth) {
    counted.bandwidth = true;
    context.beforeResponse.push(async () => {
      const kilobytes = responseKilobytes(context);
      if (kilobytes > 0) await store.addQuota({ ...limits, addCalls: 0, addKilobytes: kilobytes });
    });
  }
}

/**
 * The response's size as far as it is known before it is sent: buffered
 * bodies exactly, streamed ones by their Content-Length (a chunked stream of
 * unknown length is not counted). A backend response streamed straight to
 * the client has no body in the context at all, only its headers.
 */
function responseKilobytes(context: RequestContext): number {
  const body = context.response.body;
  const bytes = body?.loaded ? body.content.length : Number(context.response.headers.joined('content-length') ?? 0);
  return Number.isFinite(bytes) ? bytes / 1024 : 0;
}
