import { ByteCache } from './byte-cache.ts';
import { decodeCacheValue, encodeCacheValue } from './cache-codec.ts';
import { LeaseTable } from './lease-table.ts';
import { QuotaTable } from './quota-table.ts';
import type { GrantedRateResult, RateRefund } from './rate-grant.ts';
import { RateTable } from './rate-table.ts';
import {
  DEFAULT_MAX_CACHE_BYTES, DEFAULT_MAX_CACHE_ENTRY_BYTES,
  type CacheSetResult, type CacheValue, type LeaseRequest, type LeaseResult, type QuotaAddition, type QuotaRequest,
  type QuotaResult, type RateAddition, type RateRequest, type RateResult, type StateStore,
} from './store.ts';

export interface MemoryStateOptions {
  /** Epoch milliseconds; tests inject a manual clock. */
  now?: () => number;
  /** How often expired keys are dropped; 0 = only lazily (tests call sweep()). Default 10 s. */
  sweepIntervalMs?: number;
  maxCacheEntryBytes?: number;
  maxCacheBytes?: number;
}

/** Owner of leases taken through a MemoryStore used directly (one process). */
const LOCAL_OWNER = 'local';

/**
 * All host-wide state in one process, synchronous: every operation runs to
 * completion before the next one starts, which is what makes counters exact
 * when the primary applies its workers' requests here one by one. Expiry is
 * lazy (checked when a key is touched) plus one periodic sweep for keys
 * nobody touches again — no timer per key.
 */
export class StateEngine {
  readonly now: () => number;
  private readonly rates = new RateTable();
  private readonly quotas = new QuotaTable();
  private readonly leases = new LeaseTable();
  private readonly cache: ByteCache;
  private readonly sweeper: NodeJS.Timeout | undefined;

  constructor(options: MemoryStateOptions = {}) {
    this.now = options.now ?? Date.now;
    this.cache = new ByteCache({
      maxEntryBytes: options.maxCacheEntryBytes ?? DEFAULT_MAX_CACHE_ENTRY_BYTES,
      maxTotalBytes: options.maxCacheBytes ?? DEFAULT_MAX_CACHE_BYTES,
    });
    const interval = options.sweepIntervalMs ?? 10_000;
    if (interval > 0) {
      this.sweeper = setInterval(() => this.sweep(), interval);
      this.sweeper.unref();
    }
  }

  consumeRate(request: RateRequest): RateResult {
    return this.rates.consume(request, this.now());
  }

  addRate(addition: RateAddition): RateResult {
    return this.rates.add(addition, this.now());
  }

  /** consumeRate, with up to `grant` calls counted besides for the asking worker to use on its own (rate-grant.ts). */
  takeRate(request: RateRequest, grant: number): GrantedRateResult {
    return this.rates.take(request, grant, this.now());
  }

  refundRate(refund: RateRefund): void {
    this.rates.refund(refund, this.now());
  }

  consumeQuota(request: QuotaRequest): QuotaResult {
    return this.quotas.consume(request, this.now());
  }

  addQuota(addition: QuotaAddition): QuotaResult {
    return this.quotas.add(addition, this.now());
  }

  acquireLease(request: LeaseRequest, owner: string): LeaseResult {
    return this.leases.acquire(request, owner, this.now());
  }

  releaseLease(lease: string): void {
    this.leases.release(lease);
  }

  /** Takes back every lease of an owner that is gone (a worker that exited). */
  releaseOwner(owner: string): number {
    return this.leases.releaseOwner(owner);
  }

  getBytes(key: string): Uint8Array | undefined {
    return this.cache.get(key, this.now());
  }

  setBytes(key: string, bytes: Uint8Array, ttlSeconds: number): CacheSetResult {
    const outcome = this.cache.set(key, bytes, ttlSeconds, this.now());
    return outcome === 'stored' ? { stored: true } : { stored: false, reason: outcome };
  }

  deleteKey(key: string): boolean {
    return this.cache.delete(key);
  }

  sweep(): void {
    const now = this.now();
    this.rates.sweep(now);
    this.quotas.sweep(now);
    this.leases.sweep(now);
    this.cache.sweep(now);
  }

  /** What is held, for tests and the admin endpoint. */
  stats(): { rateKeys: number; quotaKeys: number; cacheEntries: number; cacheBytes: number } {
    return { rateKeys: this.rates.size, quotaKeys: this.quotas.size, cacheEntries: this.cache.size, cacheBytes: this.cache.bytes };
  }

  inUse(key: string): number {
    return this.leases.inUse(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** The StateStore of a single process: tests, and a gateway without cluster workers. */
export class MemoryStore implements StateStore {
  readonly engine: StateEngine;

  constructor(options: MemoryStateOptions | StateEngine = {}) {
    this.engine = options instanceof StateEngine ? options : new StateEngine(options);
  }

  async consumeRate(request: RateRequest): Promise<RateResult> {
    return this.engine.consumeRate(request);
  }

  async addRate(addition: RateAddition): Promise<RateResult> {
    return this.engine.addRate(addition);
  }

  async consumeQuota(request: QuotaRequest): Promise<QuotaResult> {
    return this.engine.consumeQuota(request);
  }

  async addQuota(addition: QuotaAddition): Promise<QuotaResult> {
    return this.engine.addQuota(addition);
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    return this.engine.acquireLease(request, LOCAL_OWNER);
  }

  async releaseLease(lease: string): Promise<void> {
    this.engine.releaseLease(lease);
  }

  async getCached(key: string): Promise<CacheValue | undefined> {
    const bytes = this.engine.getBytes(key);
    return bytes === undefined ? undefined : decodeCacheValue(bytes);
  }

  async setCached(key: string, value: CacheValue, ttlSeconds: number): Promise<CacheSetResult> {
    return this.engine.setBytes(key, encodeCacheValue(value), ttlSeconds);
  }

  async deleteCached(key: string): Promise<boolean> {
    return this.engine.deleteKey(key);
  }

  async close(): Promise<void> {
    this.engine.close();
  }
}
