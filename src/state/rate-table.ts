import type { GrantedRateResult, RateRefund } from './rate-grant.ts';
import type { RateAddition, RateRequest, RateResult } from './store.ts';

/** Finest bucket: calls closer together than this share one log entry. */
const MAX_BUCKET_MS = 1000;
const BUCKETS_PER_WINDOW = 60;

/**
 * One key's sliding-window log: (first, last, amount) buckets oldest first.
 * A bucket ages out `periodMs` after its LAST call, so merging calls only
 * ever over-counts (see store.ts).
 */
class WindowLog {
  periodMs = 0;
  total = 0;
  private head = 0;
  private readonly first: number[] = [];
  private readonly last: number[] = [];
  private readonly amounts: number[] = [];

  /** Drops buckets that have aged out by `now`. */
  expire(now: number): void {
    while (this.head < this.last.length && this.last[this.head]! + this.periodMs <= now) {
      this.total -= this.amounts[this.head]!;
      this.head++;
    }
    // Compact once the dead prefix dominates, keeping shifts amortised O(1).
    if (this.head > 32 && this.head * 2 > this.last.length) {
      this.first.splice(0, this.head);
      this.last.splice(0, this.head);
      this.amounts.splice(0, this.head);
      this.head = 0;
    }
    if (this.head === this.last.length) this.total = 0;
  }

  add(now: number, amount: number): void {
    if (amount <= 0) return;
    this.total += amount;
    const tail = this.last.length - 1;
    const bucketMs = Math.min(MAX_BUCKET_MS, this.periodMs / BUCKETS_PER_WINDOW);
    if (tail >= this.head && now - this.first[tail]! < bucketMs) {
      this.last[tail] = now;
      this.amounts[tail]! += amount;
      return;
    }
    this.first.push(now);
    this.last.push(now);
    this.amounts.push(amount);
  }

  /** Takes `amount` back from the newest buckets: calls counted ahead of use that were not used. */
  remove(amount: number): void {
    for (let i = this.last.length - 1; i >= this.head && amount > 0; i--) {
      const taken = Math.min(amount, this.amounts[i]!);
      this.amounts[i]! -= taken;
      this.total -= taken;
      amount -= taken;
    }
  }

  /** Milliseconds until `need` more fits under `limit` (the window must be over it now). */
  msUntilFits(now: number, need: number, limit: number): number {
    if (need > limit) return this.periodMs;
    let left = this.total;
    for (let i = this.head; i < this.last.length; i++) {
      left -= this.amounts[i]!;
      if (left + need <= limit) return this.last[i]! + this.periodMs - now;
    }
    return this.periodMs;
  }

  get empty(): boolean {
    return this.head === this.last.length;
  }
}

export function isExhausted(used: number, adding: number, limit: number): boolean {
  return adding > 0 ? used + adding > limit : used >= limit;
}

/** Sliding-window rate counters for every key. */
export class RateTable {
  private readonly logs = new Map<string, WindowLog>();

  consume(request: RateRequest, now: number): RateResult {
    const amount = request.amount ?? 1;
    const log = this.open(request.key, request.periodSeconds, now);
    if (isExhausted(log.total, amount, request.limit)) {
      const retryMs = log.msUntilFits(now, Math.max(amount, 1), request.limit);
      return { allowed: false, count: log.total, remaining: Math.max(0, request.limit - log.total), retryAfterSeconds: Math.max(1, Math.ceil(retryMs / 1000)) };
    }
    log.add(now, amount);
    return { allowed: true, count: log.total, remaining: Math.max(0, request.limit - log.total), retryAfterSeconds: 0 };
  }

  add(addition: RateAddition, now: number): RateResult {
    const log = this.open(addition.key, addition.periodSeconds, now);
    log.add(now, addition.amount);
    return { allowed: true, count: log.total, remaining: Math.max(0, addition.limit - log.total), retryAfterSeconds: 0 };
  }

  /**
   * Counts the call and `grant` more in one step when all of them fit
   * (`granted` says how many did), else the call alone: a grant never takes
   * the last places of a window.
   */
  take(request: RateRequest, grant: number, now: number): GrantedRateResult {
    if (grant > 0) {
      const withGrant = this.consume({ key: request.key, limit: request.limit, periodSeconds: request.periodSeconds, amount: (request.amount ?? 1) + grant }, now);
      if (withGrant.allowed) return { ...withGrant, granted: grant };
    }
    return { ...this.consume(request, now), granted: 0 };
  }

  /** Gives back granted calls a worker did not use. */
  refund(refund: RateRefund, now: number): void {
    this.open(refund.key, refund.periodSeconds, now).remove(refund.amount);
  }

  /** Forgets keys whose windows hold nothing any more. */
  sweep(now: number): void {
    for (const [key, log] of this.logs) {
      log.expire(now);
      if (log.empty) this.logs.delete(key);
    }
  }

  get size(): number {
    return this.logs.size;
  }

  private open(key: string, periodSeconds: number, now: number): WindowLog {
    let log = this.logs.get(key);
    if (!log) {
      log = new WindowLog();
      this.logs.set(key, log);
    }
    // rate-limit-by-key allows an expression for renewal-period: the latest one wins.
    log.periodMs = periodSeconds * 1000;
    log.expire(now);
    return log;
  }
}
