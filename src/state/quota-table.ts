import { isExhausted } from './rate-table.ts';
import { DOTNET_MIN_DATE_MS, type QuotaAddition, type QuotaRequest, type QuotaResult } from './store.ts';

interface QuotaPeriod {
  /** Start of the period being counted; -Infinity for a quota that never renews. */
  start: number;
  end: number;
  calls: number;
  kilobytes: number;
}

/** The fixed period containing `now`, aligned to `anchor` (see store.ts). */
export function quotaPeriodBounds(now: number, periodSeconds: number, anchor: number): { start: number; end: number } {
  if (periodSeconds <= 0) return { start: -Infinity, end: Infinity };
  const periodMs = periodSeconds * 1000;
  const start = anchor + Math.floor((now - anchor) / periodMs) * periodMs;
  return { start, end: start + periodMs };
}

/** Fixed-period call and bandwidth counters for every key. */
export class QuotaTable {
  private readonly periods = new Map<string, QuotaPeriod>();

  consume(request: QuotaRequest, now: number): QuotaResult {
    const addCalls = request.addCalls ?? 1;
    const addKilobytes = request.addKilobytes ?? 0;
    const period = this.open(request, now);
    const exceeded =
      request.calls !== undefined && isExhausted(period.calls, addCalls, request.calls) ? 'calls'
        : request.kilobytes !== undefined && isExhausted(period.kilobytes, addKilobytes, request.kilobytes) ? 'bandwidth'
          : undefined;
    if (exceeded) return { ...answer(period, now), allowed: false, exceeded };
    period.calls += addCalls;
    period.kilobytes += addKilobytes;
    return answer(period, now);
  }

  add(addition: QuotaAddition, now: number): QuotaResult {
    const period = this.open(addition, now);
    period.calls += addition.addCalls;
    period.kilobytes += addition.addKilobytes;
    return answer(period, now);
  }

  /** Forgets periods that have ended: the next call starts a fresh one anyway. */
  sweep(now: number): void {
    for (const [key, period] of this.periods) if (period.end <= now) this.periods.delete(key);
  }

  get size(): number {
    return this.periods.size;
  }

  private open(request: Pick<QuotaRequest, 'key' | 'periodSeconds' | 'periodStartMs'>, now: number): QuotaPeriod {
    const { start, end } = quotaPeriodBounds(now, request.periodSeconds, request.periodStartMs ?? DOTNET_MIN_DATE_MS);
    let period = this.periods.get(request.key);
    if (!period || period.start !== start || period.end !== end) {
      period = { start, end, calls: 0, kilobytes: 0 };
      this.periods.set(request.key, period);
    }
    return period;
  }
}

function answer(period: QuotaPeriod, now: number): QuotaResult {
  return {
    allowed: true,
    callsUsed: period.calls,
    kilobytesUsed: period.kilobytes,
    renewsInSeconds: period.end === Infinity ? null : Math.ceil((period.end - now) / 1000),
  };
}
