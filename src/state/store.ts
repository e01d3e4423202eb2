/**
 * The state that rate-limit, rate-limit-by-key, quota, quota-by-key,
 * limit-concurrency and the cache policies share across every worker of a
 * host (DESIGN §8). Implementations: MemoryStore (one process), IpcStateStore
 * (cluster workers → the primary's MemoryStore) and RedisStore (several
 * hosts). Every operation is async and atomic on the store side: a caller
 * never reads a counter and writes it back, so a Redis script can implement
 * each one as a single round trip.
 *
 * Semantics chosen, and why (sources: learn.microsoft.com rate-limit,
 * rate-limit-by-key, quota, quota-by-key policy pages; docs.azure.cn zh-cn
 * rate-limit-by-key page; cnblogs.com/lulight/p/15991057 for an observed
 * quota-by-key answer):
 *
 * Rate limits — SLIDING window. The docs define `renewal-period` as "the
 * length in seconds of the sliding window during which the number of allowed
 * requests should not exceed the value specified in calls" (max 300 s). So
 * no fixed boundaries: a call counts until `renewal-period` after it was
 * made, and Retry-After is the time until enough counted calls have aged out
 * for the next one to fit. Calls inside a small bucket (period/60, at most
 * 1 s) share one entry stamped with the bucket's LAST call, which bounds
 * memory per key and can only over-count near the window edge, never let
 * more than `calls` through in any window.
 *
 * Denied calls do NOT count. The docs do not say; we choose it so that a
 * client that waits the Retry-After it was given is then let through — if
 * rejected retries counted, a client retrying every second would never get
 * in and Retry-After would be a lie.
 *
 * Deferred counting. `increment-condition` and `increment-count` may be
 * expressions; the zh-cn page states that then "evaluation and the counter
 * increment are deferred to the end of the outbound pipeline" (the doc
 * example tests `context.Response.StatusCode == 200`). So the policy checks
 * in inbound with `amount: 0` (allowed while the window is not full, nothing
 * counted) and calls `addRate` with the evaluated count at the end, which
 * counts unconditionally (the call was already served). With constant
 * attributes `consumeRate` checks and counts in one step; a call whose
 * `amount` does not fit in what remains is denied and counts nothing.
 * `remaining-calls-*` is `remaining`; `total-calls-header-name` is the
 * policy's own `calls`, which the store does not need to return.
 *
 * Quotas — FIXED windows. quota-by-key: "each period start is calculated
 * relative to first-period-start" (default 0001-01-01T00:00:00Z); quota:
 * relative to the subscription's start. So periods are aligned to an anchor
 * the policy passes, not to the first call: observed with renewal-period 600
 * at 00:41:36 → "Quota will be replenished in 00:08:24", retry-after 504.
 * `renewal-period` 0 means the period never renews. `calls` and `bandwidth`
 * (kilobytes) are counted on the same key; bandwidth is only known once the
 * response has been sent, hence `addQuota`. Denied calls do not count.
 *
 * A dimension is exhausted for a call adding `n` when `used + n > limit`,
 * or, when `n` is 0 (check only), when `used >= limit`.
 *
 * Rate grants (IpcStateStore only, rate-grant.ts). A cluster worker asking
 * the primary about a high rate limit (at least 5,000 calls per worker) may
 * get up to 1 % of it (at most 1024 calls) counted ahead for it to use on its
 * own for 100 ms, then give back what it did not use. Never more than
 * `calls` get through in a window; the cost is that a nearly full window may
 * refuse up to 1 % of `calls` early for that long, and that `remaining` seen
 * by one worker lags the others' calls by as much. Limits under that size,
 * and check-only calls, are asked of the primary call by call, exactly.
 */

/** What a cache entry may hold: JSON plus byte arrays, anywhere in the value. */
export type CacheValue = string | number | boolean | null | Uint8Array | CacheValue[] | { [key: string]: CacheValue };

export interface RateRequest {
  key: string;
  /** Allowed per window (`calls`). */
  limit: number;
  /** Window length (`renewal-period`). */
  periodSeconds: number;
  /** How much this call counts (`increment-count`, default 1); 0 checks without counting. */
  amount?: number;
}

export interface RateAddition {
  key: string;
  periodSeconds: number;
  amount: number;
  /** Only to compute `remaining` in the answer. */
  limit: number;
}

export interface RateResult {
  allowed: boolean;
  /** What the window holds after this call. */
  count: number;
  /** `limit - count`, never negative: `remaining-calls-header-name`. */
  remaining: number;
  /** Whole seconds until a call of the same amount would be allowed; 0 when allowed. */
  retryAfterSeconds: number;
  /** The store could not be asked (e.g. the primary did not answer): this is a fail-open answer. */
  degraded?: true;
}

export interface QuotaRequest {
  key: string;
  /** Period length (`renewal-period`); 0 = the quota never renews. */
  periodSeconds: number;
  /** Epoch ms every period is aligned to (`first-period-start`, subscription start); default 0001-01-01T00:00:00Z. */
  periodStartMs?: number;
  /** Call limit (`calls`); absent = calls not limited. */
  calls?: number;
  /** Bandwidth limit in kilobytes (`bandwidth`); absent = bandwidth not limited. */
  kilobytes?: number;
  /** Calls this request counts now (default 1; 0 = check only). */
  addCalls?: number;
  /** Kilobytes this request counts now (default 0). */
  addKilobytes?: number;
}

export type QuotaAddition = Omit<QuotaRequest, 'addCalls' | 'addKilobytes'> & { addCalls: number; addKilobytes: number };

export interface QuotaResult {
  allowed: boolean;
  /** Which limit denied the call: `calls` → "Out of call volume quota", `bandwidth` → "Out of bandwidth quota". */
  exceeded?: 'calls' | 'bandwidth';
  callsUsed: number;
  kilobytesUsed: number;
  /** Whole seconds until the current period ends (`Retry-After`, `Quota will be replenished in`); null = never. */
  renewsInSeconds: number | null;
  degraded?: true;
}

export interface LeaseRequest {
  key: string;
  /** `max-count`. */
  max: number;
  /**
   * Longest a lease may be held before the store takes it back, so a holder
   * that vanished without releasing (a host gone, for Redis) cannot leak it
   * forever. Default DEFAULT_LEASE_SECONDS.
   */
  leaseSeconds?: number;
}

export type LeaseResult =
  | { acquired: true; lease: string; inUse: number; degraded?: true }
  | { acquired: false; inUse: number };

export type CacheSetResult = { stored: true } | { stored: false; reason: 'too-large' | 'no-ttl' | 'unavailable' };

export interface StateStore {
  /** Checks the sliding window for `key` and, when allowed, counts `amount` in it. */
  consumeRate(request: RateRequest): Promise<RateResult>;
  /** Counts `amount` in the window unconditionally (deferred `increment-condition`/`increment-count`). */
  addRate(addition: RateAddition): Promise<RateResult>;
  /** Checks the current quota period and, when allowed, counts the call/kilobytes in it. */
  consumeQuota(request: QuotaRequest): Promise<QuotaResult>;
  /** Counts calls/kilobytes in the current period unconditionally (bandwidth after the response). */
  addQuota(addition: QuotaAddition): Promise<QuotaResult>;
  /** Takes one of `max` slots for `key`, or says all are taken (no queueing, as APIM). */
  acquireLease(request: LeaseRequest): Promise<LeaseResult>;
  /** Gives a slot back; unknown or already released leases are ignored. */
  releaseLease(lease: string): Promise<void>;
  /** The value stored under `key`, a fresh copy each time; undefined when absent or expired. */
  getCached(key: string): Promise<CacheValue | undefined>;
  /** Stores a copy of `value` for `ttlSeconds`; whatever the answer, an older value under `key` is gone. */
  setCached(key: string, value: CacheValue, ttlSeconds: number): Promise<CacheSetResult>;
  /** Removes `key`; true when something was removed. */
  deleteCached(key: string): Promise<boolean>;
  /** Stops timers and pending work; the store must not be used afterwards. */
  close(): Promise<void>;
}

/** `first-period-start` default, 0001-01-01T00:00:00Z, in epoch milliseconds. */
export const DOTNET_MIN_DATE_MS = Date.parse('0001-01-01T00:00:00Z');

export const DEFAULT_LEASE_SECONDS = 600;

/** APIM caps a cached response at 2 MiB; the extra 64 KiB leaves room for its status and headers. */
export const DEFAULT_MAX_CACHE_ENTRY_BYTES = 2 * 1024 * 1024 + 64 * 1024;

export const DEFAULT_MAX_CACHE_BYTES = 64 * 1024 * 1024;
