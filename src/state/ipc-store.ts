import { decodeCacheValue, encodeCacheValue } from './cache-codec.ts';
import { RateGrants } from './rate-grant.ts';
import { isStateReply, type StateCall, type StateOp, type StateOps, type StateRequestMessage } from './ipc-protocol.ts';
import type {
  CacheSetResult, CacheValue, LeaseRequest, LeaseResult, QuotaAddition, QuotaRequest, QuotaResult, RateAddition,
  RateRequest, RateResult, StateStore,
} from './store.ts';

/** The IPC channel to the primary, as a worker (or a test's forked child) sees it. */
export interface StateChannel {
  send(message: StateRequestMessage, callback: (error: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected?: boolean;
}

export interface IpcStateStoreOptions {
  /** How long the primary has to answer before the call fails open. Default 1 s. */
  timeoutMs?: number;
  /** Told at most once a minute that calls are failing open, with how many did. */
  warn?: (fields: { failedOpen: number; reason: string }, message: string) => void;
}

interface Pending {
  op: StateOp;
  sentAt: number;
  settle: (value: StateOps[StateOp][1] | undefined) => void;
}

const WARN_INTERVAL_MS = 60_000;
/** Answered to a lease call that failed open; releasing it asks nothing of the primary. */
const FAIL_OPEN_LEASE = '!fail-open';
/**
 * Calls per IPC message: batching amortises the per-message cost (~80 µs a
 * round trip → ~4 µs a call at 100 per message) but Node's IPC reads very
 * large messages slower again, so big bursts go as several messages.
 */
const MAX_BATCH = 256;
/** Timed-out lease acquisitions remembered so a late grant can be given back. */
const MAX_ABANDONED = 10_000;

/**
 * A worker's StateStore: every call goes to the primary's StateEngine over
 * the cluster IPC channel. The primary may be busy or gone; then calls fail
 * OPEN after `timeoutMs` (allowed, cache miss) — a gateway that loses its
 * counters must keep serving, never crash nor hang a request (DESIGN §8).
 */
export class IpcStateStore implements StateStore {
  private readonly channel: StateChannel;
  private readonly timeoutMs: number;
  private readonly warn: IpcStateStoreOptions['warn'];
  private readonly pending = new Map<number, Pending>();
  private readonly abandonedLeases = new Set<number>();
  private queue: StateCall[] = [];
  private flushScheduled = false;
  private nextId = 1;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private lastWarnAt = -Infinity;
  private failedOpenSinceWarn = 0;
  private closed = false;
  private readonly grants = new RateGrants(
    (request, grant) => grant
      ? this.call('takeRate', request, { ...rateFailOpen(request.limit), granted: 0 })
      : this.call('consumeRate', request, rateFailOpen(request.limit)),
    (refund) => void this.call('refundRate', refund, null),
  );

  constructor(channel: StateChannel, options: IpcStateStoreOptions = {}) {
    this.channel = channel;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.warn = options.warn;
    channel.on('message', (message) => {
      if (!isStateReply(message)) return;
      for (const reply of message.replies) this.settle(reply.id, reply.ok ? reply.value : undefined, reply.ok ? undefined : `the primary failed: ${reply.error}`);
    });
  }

  consumeRate(request: RateRequest): Promise<RateResult> {
    return this.grants.consume(request);
  }

  addRate(addition: RateAddition): Promise<RateResult> {
    return this.call('addRate', addition, rateFailOpen(addition.limit));
  }

  consumeQuota(request: QuotaRequest): Promise<QuotaResult> {
    return this.call('consumeQuota', request, { ...quotaFailOpen });
  }

  addQuota(addition: QuotaAddition): Promise<QuotaResult> {
    return this.call('addQuota', addition, { ...quotaFailOpen });
  }

  acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    return this.call('acquireLease', request, { acquired: true, lease: FAIL_OPEN_LEASE, inUse: 0, degraded: true });
  }

  async releaseLease(lease: string): Promise<void> {
    if (lease !== FAIL_OPEN_LEASE) await this.call('releaseLease', { lease }, null);
  }

  async getCached(key: string): Promise<CacheValue | undefined> {
    const encoded = await this.call('getCached', { key }, null);
    return encoded === null ? undefined : decodeCacheValue(Buffer.from(encoded, 'base64'));
  }

  setCached(key: string, value: CacheValue, ttlSeconds: number): Promise<CacheSetResult> {
    const bytes = encodeCacheValue(value);
    const encoded = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
    return this.call('setCached', { key, value: encoded, ttlSeconds }, { stored: false, reason: 'unavailable' });
  }

  deleteCached(key: string): Promise<boolean> {
    return this.call('deleteCached', { key }, false);
  }

  /** Gives unused rate grants back, then answers every call still waiting with its fail-open value. */
  async close(): Promise<void> {
    this.grants.giveAllBack();
    if (this.flushScheduled) this.flush();
    this.closed = true;
    clearInterval(this.timeoutTimer);
    this.timeoutTimer = undefined;
    for (const id of [...this.pending.keys()]) this.settle(id, undefined);
  }

  private call<K extends StateOp>(op: K, arg: StateOps[K][0], failOpen: StateOps[K][1]): Promise<StateOps[K][1]> {
    return new Promise((resolve) => {
      const id = this.nextId++;
      const settle = (value: StateOps[StateOp][1] | undefined) => resolve(value === undefined ? failOpen : value as StateOps[K][1]);
      if (this.closed || this.channel.connected === false) {
        if (!this.closed) this.failedOpen('no IPC channel to the primary');
        settle(undefined);
        return;
      }
      this.pending.set(id, { op, sentAt: Date.now(), settle });
      this.queue.push({ id, op, arg } as StateCall);
      this.timeoutTimer ??= setInterval(() => this.expire(), Math.max(10, this.timeoutMs / 4)).unref();
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends everything queued during this turn of the event loop, MAX_BATCH calls a message. */
  private flush(): void {
    this.flushScheduled = false;
    const queued = this.queue;
    this.queue = [];
    for (let start = 0; start < queued.length; start += MAX_BATCH) {
      const calls = queued.slice(start, start + MAX_BATCH);
      const fail = (reason: string) => {
        for (const call of calls) this.settle(call.id, undefined, reason);
      };
      try {
        this.channel.send({ type: 'state', calls }, (error) => error && fail(`IPC send failed: ${error.message}`));
      } catch (error) {
        fail(`IPC send failed: ${(error as Error).message}`);
      }
    }
  }

  /**
   * Resolves a call with the primary's answer, or with its fail-open value
   * when `value` is undefined (counted and warned about when there is a `reason`).
   */
  private settle(id: number, value: StateOps[StateOp][1] | undefined, reason?: string): void {
    const pending = this.pending.get(id);
    if (!pending) {
      this.giveBackLateLease(id, value);
      return;
    }
    this.pending.delete(id);
    if (value === undefined) {
      if (reason) this.failedOpen(reason);
      if (pending.op === 'acquireLease') this.rememberAbandoned(id);
    }
    pending.settle(value);
    if (this.pending.size === 0) {
      clearInterval(this.timeoutTimer);
      this.timeoutTimer = undefined;
    }
  }

  private expire(): void {
    const deadline = Date.now() - this.timeoutMs;
    // Insertion order is send order: the oldest calls come first.
    for (const [id, pending] of this.pending) {
      if (pending.sentAt > deadline) break;
      this.settle(id, undefined, `the primary did not answer within ${this.timeoutMs} ms`);
    }
  }

  /** A lease granted after its caller had already been let through must not stay held. */
  private giveBackLateLease(id: number, value: StateOps[StateOp][1] | undefined): void {
    if (!this.abandonedLeases.delete(id)) return;
    const lease = value as LeaseResult | undefined;
    if (lease?.acquired) void this.releaseLease(lease.lease);
  }

  private rememberAbandoned(id: number): void {
    this.abandonedLeases.add(id);
    if (this.abandonedLeases.size > MAX_ABANDONED) this.abandonedLeases.delete(this.abandonedLeases.values().next().value!);
  }

  private failedOpen(reason: string): void {
    this.failedOpenSinceWarn++;
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.warn?.({ failedOpen: this.failedOpenSinceWarn, reason }, `shared state unavailable (${reason}); rate limits, quotas and concurrency limits fail open, cache misses`);
    this.failedOpenSinceWarn = 0;
  }
}

function rateFailOpen(limit: number): RateResult {
  return { allowed: true, count: 0, remaining: limit, retryAfterSeconds: 0, degraded: true };
}

const quotaFailOpen: QuotaResult = { allowed: true, callsUsed: 0, kilobytesUsed: 0, renewsInSeconds: null, degraded: true };
