import { grantSlot, type GrantedRateResult } from './grant-ledger.ts';
import type { RateRequest, RateResult } from './store.ts';

/** A worker remembers at most this many windows' grants (dropping one only gives up calls it could have admitted). */
const MAX_ENTRIES = 10_000;
/** A grant unused this long is forgotten; the primary revokes it when someone needs it. */
const IDLE_MS = 5_000;

/** Where a call stood in its window's tally of admits when it was sent. */
export interface GrantMark {
  entry: Entry | undefined;
  admitted: number;
}

interface Entry {
  /** Calls this worker may still admit without asking the primary. */
  left: number;
  /** The primary's last `remaining`, minus what this worker admitted since. */
  remaining: number;
  /** Everything ever admitted on grants of this entry: marks which admits a reply already saw. */
  admitted: number;
  usedAt: number;
}

/**
 * A worker's side of optimistic grants (see GrantLedger for why they stay
 * exact): per rate window, how many calls it may admit before the primary
 * has answered, as last granted minus what it admitted since.
 */
export class RateGrants {
  private readonly entries = new Map<string, Entry>();

  /** Admits `request` on the grant, or undefined when it must wait for the primary. */
  admit(request: RateRequest, now: number): RateResult | undefined {
    const amount = request.amount ?? 1;
    if (amount < 1) return undefined;
    const slot = grantSlot(request);
    const entry = this.entries.get(slot);
    if (!entry || entry.left < amount) return undefined;
    if (now - entry.usedAt > IDLE_MS) {
      this.entries.delete(slot);
      return undefined;
    }
    entry.left -= amount;
    entry.remaining = Math.max(0, entry.remaining - amount);
    entry.admitted += amount;
    entry.usedAt = now;
    return { allowed: true, count: request.limit - entry.remaining, remaining: entry.remaining, retryAfterSeconds: 0 };
  }

  /** What a reply to a call made now must discount from: the admits so far, including this call's own. */
  mark(request: RateRequest): GrantMark {
    const entry = this.entries.get(grantSlot(request));
    return { entry, admitted: entry?.admitted ?? 0 };
  }

  /**
   * Takes the primary's answer to a call sent at `mark`. Admits made after
   * that call reached the primary later than the answer was computed, so
   * they come off both the grant and the remaining. An entry forgotten
   * meanwhile took that tally with it: its reply then grants nothing.
   */
  refresh(request: RateRequest, reply: GrantedRateResult, mark: GrantMark, now: number): void {
    const slot = grantSlot(request);
    let entry = this.entries.get(slot);
    if (mark.entry && mark.entry !== entry) return;
    if (!entry) {
      if (!(reply.grant > 0)) return;
      entry = { left: 0, remaining: 0, admitted: 0, usedAt: now };
      this.entries.set(slot, entry);
      if (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    }
    // No entry when the call was sent: every admit on today's entry came after it.
    const since = entry.admitted - (mark.entry ? mark.admitted : 0);
    entry.left = Math.max(0, reply.grant - since);
    entry.remaining = Math.max(0, reply.remaining - since);
  }

  /** Gives up the grant for `request`'s window (the primary revoked it). */
  drop(request: RateRequest): void {
    const entry = this.entries.get(grantSlot(request));
    if (entry) entry.left = 0;
  }
}
