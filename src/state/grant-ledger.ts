import type { StateEngine } from './memory-store.ts';
import { isExhausted } from './rate-table.ts';
import type { RateRequest, RateResult } from './store.ts';

/** A consumeRate call as a worker sends it: `admitted` = the worker already let it through on a grant. */
export type RateConsumeCall = RateRequest & { admitted?: true };

/** The primary's answer: `grant` = further calls of this (key, limit, period) the worker may admit without asking. */
export type GrantedRateResult = RateResult & { grant: number };

/** Names one rate window as grants see it: the key last, so any key text stays unambiguous. */
export function grantSlot(request: { key: string; limit: number; periodSeconds: number }): string {
  return `${request.periodSeconds} ${request.limit} ${request.key}`;
}

/** Slots with reservations beyond this get their oldest revoked, bounding the primary's memory. */
const MAX_SLOTS = 10_000;

interface Parked {
  owner: string;
  request: RateRequest;
  answer: (result: GrantedRateResult) => void;
}

interface SlotState {
  window: RateRequest;
  /**
   * Per worker, an upper bound of the calls it admitted that are not yet
   * counted plus those it may still admit on its grant. Raised to each grant
   * issued (never lowered then: a reply in flight may still be applied after
   * an older, larger grant), lowered by each optimistic call counted, zeroed
   * when the worker confirms a revocation.
   */
  reserved: Map<string, number>;
  /** Workers asked to give their grant back whose confirmation has not arrived. */
  revoking: Set<string>;
  /** Waiting calls that fit the window but not beside the reservations, until the holders confirm. */
  parked: Parked[];
}

export interface GrantLedgerHooks {
  /** How many workers are connected now. */
  workers(): number;
  /** Asks `owner` to stop admitting on its grant for `request`'s slot and to confirm (releaseGrant). */
  revoke(owner: string, request: RateRequest): void;
}

/**
 * Optimistic grants for consumeRate, kept exact.
 *
 * Why no window ever holds more than `limit`: let count be the primary's
 * window total and Σr the reservations. Invariant: count + Σr ≤ limit.
 * - a waiting call is allowed only when count + amount + Σr ≤ limit;
 * - a grant g to worker w satisfies g ≤ (limit − count − Σ_{v≠w} r_v) / (2N),
 *   and r_w becomes max(r_w, g): the sum still fits;
 * - an optimistic call counted moves `amount` from r_w to count (r_w covered
 *   it: the worker admits at most its grant minus what it admitted since);
 * - calls ageing out of the window only lower count.
 * Every call a worker admitted optimistically is in count or in r, so the
 * calls really let through in a window are ≤ count + Σr ≤ limit. The worker
 * subtracts from a grant whatever it admitted after sending the call the grant
 * answered, so a late reply never hands it more than r covers.
 *
 * And why exactly `limit`, not fewer: a waiting call that fits in the window
 * but not beside the reservations is parked, the holders are asked to give
 * their grants back (each confirms through the same FIFO channel, after the
 * optimistic calls it made before, which are then counted), and the call is
 * decided once nothing is reserved. While a slot is being revoked it grants
 * nothing, so a confirmation really leaves its worker with nothing.
 */
export class GrantLedger {
  private readonly engine: StateEngine;
  private readonly hooks: GrantLedgerHooks;
  private readonly slots = new Map<string, SlotState>();

  constructor(engine: StateEngine, hooks: GrantLedgerHooks) {
    this.engine = engine;
    this.hooks = hooks;
  }

  /** The answer now, or undefined when the call is parked (then `answer` gets it). */
  consume(call: RateConsumeCall, owner: string, answer: (result: GrantedRateResult) => void): GrantedRateResult | undefined {
    const { admitted, ...request } = call;
    const id = grantSlot(request);
    const slot = this.slots.get(id);
    if (admitted) {
      const result = this.engine.addRate({ key: request.key, periodSeconds: request.periodSeconds, amount: request.amount ?? 1, limit: request.limit });
      if (slot) slot.reserved.set(owner, Math.max(0, (slot.reserved.get(owner) ?? 0) - (request.amount ?? 1)));
      return this.withGrant(id, slot, owner, request, result);
    }
    if (slot && slot.parked.length > 0) {
      slot.parked.push({ owner, request, answer });
      return undefined;
    }
    const decided = this.decide(id, slot, owner, request);
    if (decided) return decided;
    slot!.parked.push({ owner, request, answer });
    return undefined;
  }

  /** `owner` confirms it holds no grant for the slot any more and all it admitted has been counted. */
  release(request: RateRequest, owner: string): void {
    const id = grantSlot(request);
    const slot = this.slots.get(id);
    if (!slot) return;
    slot.reserved.delete(owner);
    slot.revoking.delete(owner);
    this.settleParked(id, slot);
  }

  /** A worker that exited admits nothing any more; its parked calls have no one to answer. */
  forget(owner: string): void {
    for (const [id, slot] of this.slots) {
      slot.reserved.delete(owner);
      slot.revoking.delete(owner);
      slot.parked = slot.parked.filter((parked) => parked.owner !== owner);
      this.settleParked(id, slot);
    }
  }

  get size(): number {
    return this.slots.size;
  }

  /** Allowed or denied now, or undefined when only reservations stand in the way (revocations are then asked for). */
  private decide(id: string, slot: SlotState | undefined, owner: string, request: RateRequest): GrantedRateResult | undefined {
    const reserved = slot ? sum(slot.reserved) : 0;
    if (reserved > 0) {
      const window = this.engine.consumeRate({ ...request, amount: 0 });
      const amount = request.amount ?? 1;
      if (isExhausted(window.count + reserved, amount, request.limit) && !isExhausted(window.count, amount, request.limit)) {
        for (const [holder, held] of slot!.reserved) {
          if (held > 0 && !slot!.revoking.has(holder)) {
            slot!.revoking.add(holder);
            this.hooks.revoke(holder, request);
          }
        }
        return undefined;
      }
    }
    return this.withGrant(id, slot, owner, request, this.engine.consumeRate(request));
  }

  private settleParked(id: string, slot: SlotState): void {
    while (slot.parked.length > 0) {
      const next = slot.parked[0]!;
      const decided = this.decide(id, slot, next.owner, next.request);
      if (!decided) return;
      slot.parked.shift();
      next.answer(decided);
    }
    if (slot.revoking.size === 0 && sum(slot.reserved) === 0) this.slots.delete(id);
  }

  private withGrant(id: string, existing: SlotState | undefined, owner: string, request: RateRequest, result: RateResult): GrantedRateResult {
    const othersReserved = existing ? sum(existing.reserved) - (existing.reserved.get(owner) ?? 0) : 0;
    const busy = existing !== undefined && (existing.revoking.size > 0 || existing.parked.length > 0);
    const available = Math.max(0, request.limit - result.count - othersReserved);
    const grant = busy ? 0 : Math.floor(available / (2 * Math.max(1, this.hooks.workers())));
    if (grant > 0) {
      const slot = existing ?? this.open(id, request);
      slot.reserved.set(owner, Math.max(slot.reserved.get(owner) ?? 0, grant));
    } else if (existing && !busy && sum(existing.reserved) === 0) {
      this.slots.delete(id);
    }
    return { ...result, grant };
  }

  private open(id: string, request: RateRequest): SlotState {
    const slot: SlotState = { window: { key: request.key, limit: request.limit, periodSeconds: request.periodSeconds }, reserved: new Map(), revoking: new Set(), parked: [] };
    this.slots.set(id, slot);
    if (this.slots.size > MAX_SLOTS) this.revokeOldest();
    return slot;
  }

  private revokeOldest(): void {
    for (const slot of this.slots.values()) {
      if (slot.revoking.size > 0 || slot.parked.length > 0) continue;
      for (const [holder, held] of slot.reserved) {
        if (held > 0) {
          slot.revoking.add(holder);
          this.hooks.revoke(holder, slot.window);
        }
      }
      return;
    }
  }
}

function sum(values: Map<string, number>): number {
  let total = 0;
  for (const value of values.values()) total += value;
  return total;
}
