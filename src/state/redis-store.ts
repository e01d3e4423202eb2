import { randomBytes } from 'node:crypto';
import { Redis, type RedisOptions } from 'ioredis';
import { decodeCacheValue, encodeCacheValue } from './cache-codec.ts';
import type { RedisEndpoint } from './redis-connection.ts';
import { ACQUIRE_LEASE_SCRIPT, QUOTA_SCRIPT, RATE_SCRIPT, RENEW_LEASES_SCRIPT } from './redis-scripts.ts';
import {
  DEFAULT_LEASE_SECONDS, DEFAULT_MAX_CACHE_ENTRY_BYTES, DOTNET_MIN_DATE_MS,
  type CacheSetResult, type CacheValue, type LeaseRequest, type LeaseResult, type QuotaAddition, type QuotaRequest,
  type QuotaResult, type RateAddition, type RateRequest, type RateResult, type StateStore,
} from './store.ts';

export interface RedisStoreOptions {
  /** Epoch ms for windows, periods, leases and cache expiry; default: the Redis server's clock (cache: this host's). Tests inject a manual one. */
  now?: () => number;
  /** How long one call may take before it fails open; default the endpoint's, else 1 s. */
  commandTimeoutMs?: number;
  maxCacheEntryBytes?: number;
  /**
   * A held lease is kept alive in Redis this long at a time and renewed by
   * its holder every third of it (up to the lease's own leaseSeconds), so
   * the slots of a host that died come back within this time. Default 30 s.
   */
  leaseHeartbeatMs?: number;
  /** Told at most once a minute that calls are failing open, with how many did. */
  warn?: (fields: { failedOpen: number; reason: string }, message: string) => void;
}

type Reply = Array<string | number>;
interface Scripts {
  apimgwRate(list: string, total: string, ...args: Array<string | number>): Promise<Reply>;
  apimgwQuota(key: string, ...args: Array<string | number>): Promise<Reply>;
  apimgwAcquireLease(key: string, ...args: Array<string | number>): Promise<Reply>;
  apimgwRenewLeases(key: string, ...args: Array<string | number>): Promise<number>;
}

interface HeldLease {
  zset: string;
  id: string;
  /** Local epoch ms after which the lease is no longer renewed (its leaseSeconds). */
  deadline: number;
}

const PREFIX = 'apimgw:';
const WARN_INTERVAL_MS = 60_000;
const FAIL_OPEN_LEASE = '!fail-open';
const DEFAULT_COMMAND_TIMEOUT_MS = 1000;
const DEFAULT_HEARTBEAT_MS = 30_000;
/** Reconnect backoff: 50 ms doubling, at most this. */
const MAX_RECONNECT_DELAY_MS = 2000;
/** Bytes in front of a cached value: its expiry (float64 epoch ms), checked against the store's clock. */
const EXPIRY_BYTES = 8;

let failedOpenTotal = 0;

/** Calls any RedisStore of this process answered with a fail-open value since start (for the metrics endpoint). */
export function redisFailedOpenTotal(): number {
  return failedOpenTotal;
}

/**
 * The StateStore shared by several gateway processes or hosts: every
 * operation is one Lua script (EVALSHA, loaded once) or one command, so it
 * is atomic in Redis. Redis down or slow → the call fails OPEN (allowed,
 * cache miss) within the command timeout, counted and warned about; ioredis
 * reconnects with a capped backoff meanwhile. Calls never queue while
 * disconnected, except for the first connection at start (bounded by the
 * command timeout) so a gateway does not fail open on its first requests.
 */
export class RedisStore implements StateStore {
  readonly redis: Redis;
  private readonly scripts: Scripts;
  private readonly now: (() => number) | undefined;
  private readonly commandTimeoutMs: number;
  private readonly maxCacheEntryBytes: number;
  private readonly heartbeatMs: number;
  private readonly warn: RedisStoreOptions['warn'];
  private readonly held = new Map<string, HeldLease>();
  private readonly renewTimer: NodeJS.Timeout;
  private readonly leasePrefix = randomBytes(6).toString('base64url');
  private leaseSequence = 0;
  private firstConnection: Promise<void> | undefined;
  private lastWarnAt = -Infinity;
  private failedOpenSinceWarn = 0;

  constructor(endpoint: RedisEndpoint, options: RedisStoreOptions = {}) {
    this.now = options.now;
    this.commandTimeoutMs = options.commandTimeoutMs ?? endpoint.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    this.maxCacheEntryBytes = options.maxCacheEntryBytes ?? DEFAULT_MAX_CACHE_ENTRY_BYTES;
    this.heartbeatMs = options.leaseHeartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    this.warn = options.warn;
    this.redis = new Redis(redisOptions(endpoint, this.commandTimeoutMs));
    // Without a listener ioredis prints every connection error; they are reported as failed-open calls instead.
    this.redis.on('error', () => {});
    this.redis.defineCommand('apimgwRate', { numberOfKeys: 2, lua: RATE_SCRIPT });
    this.redis.defineCommand('apimgwQuota', { numberOfKeys: 1, lua: QUOTA_SCRIPT });
    this.redis.defineCommand('apimgwAcquireLease', { numberOfKeys: 1, lua: ACQUIRE_LEASE_SCRIPT });
    this.redis.defineCommand('apimgwRenewLeases', { numberOfKeys: 1, lua: RENEW_LEASES_SCRIPT });
    this.scripts = this.redis as unknown as Scripts;
    // Settled by the first connection attempt, whether it succeeds or not.
    this.firstConnection = new Promise<void>((resolve) => {
      for (const event of ['ready', 'close', 'end']) this.redis.once(event, resolve);
    }).then(() => {
      this.firstConnection = undefined;
    });
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(10, this.heartbeatMs / 3)).unref();
  }

  consumeRate(request: RateRequest): Promise<RateResult> {
    return this.rate(request.key, request.limit, request.periodSeconds, request.amount ?? 1, 'consume');
  }

  addRate(addition: RateAddition): Promise<RateResult> {
    return this.rate(addition.key, addition.limit, addition.periodSeconds, addition.amount, 'add');
  }

  consumeQuota(request: QuotaRequest): Promise<QuotaResult> {
    return this.quota(request, request.addCalls ?? 1, request.addKilobytes ?? 0, 'consume');
  }

  addQuota(addition: QuotaAddition): Promise<QuotaResult> {
    return this.quota(addition, addition.addCalls, addition.addKilobytes, 'add');
  }

  async acquireLease(request: LeaseRequest): Promise<LeaseResult> {
    const zset = `${PREFIX}lease:${request.key}`;
    const id = `${this.leasePrefix}.${(++this.leaseSequence).toString(36)}`;
    const leaseMs = (request.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
    const reply = await this.attempt(
      () => this.scripts.apimgwAcquireLease(zset, this.clockArg(), request.max, Math.min(leaseMs, this.heartbeatMs), id),
      // The script may have run even though its answer was lost: give the slot back (best effort; it expires anyway).
      () => void this.redis.zrem(zset, id).catch(() => {}),
    );
    if (!reply) return { acquired: true, lease: FAIL_OPEN_LEASE, inUse: 0, degraded: true };
    const inUse = Number(reply[1]);
    if (Number(reply[0]) !== 1) return { acquired: false, inUse };
    const lease = `${id}|${request.key}`;
    if (leaseMs > this.heartbeatMs) this.held.set(lease, { zset, id, deadline: Date.now() + leaseMs });
    return { acquired: true, lease, inUse };
  }

  async releaseLease(lease: string): Promise<void> {
    const bar = lease.indexOf('|');
    if (lease === FAIL_OPEN_LEASE || bar === -1) return;
    this.held.delete(lease);
    await this.attempt(() => this.redis.zrem(`${PREFIX}lease:${lease.slice(bar + 1)}`, lease.slice(0, bar)));
  }

  async getCached(key: string): Promise<CacheValue | undefined> {
    const stored = await this.attempt(() => this.redis.getBuffer(`${PREFIX}cache:${key}`));
    if (!stored || stored.byteLength < EXPIRY_BYTES || stored.readDoubleBE(0) <= this.localNow()) return undefined;
    return decodeCacheValue(stored.subarray(EXPIRY_BYTES));
  }

  async setCached(key: string, value: CacheValue, ttlSeconds: number): Promise<CacheSetResult> {
    const redisKey = `${PREFIX}cache:${key}`;
    const payload = encodeCacheValue(value);
    const refused: CacheSetResult | undefined = !(ttlSeconds > 0) ? { stored: false, reason: 'no-ttl' }
      : payload.byteLength > this.maxCacheEntryBytes ? { stored: false, reason: 'too-large' } : undefined;
    if (refused) {
      const deleted = await this.attempt(() => this.redis.del(redisKey));
      return deleted === undefined ? { stored: false, reason: 'unavailable' } : refused;
    }
    const ttlMs = Math.ceil(ttlSeconds * 1000);
    const stored = Buffer.allocUnsafe(EXPIRY_BYTES + payload.byteLength);
    stored.writeDoubleBE(this.localNow() + ttlMs, 0);
    stored.set(payload, EXPIRY_BYTES);
    const ok = await this.attempt(() => this.redis.set(redisKey, stored, 'PX', ttlMs));
    return ok === undefined ? { stored: false, reason: 'unavailable' } : { stored: true };
  }

  async deleteCached(key: string): Promise<boolean> {
    return ((await this.attempt(() => this.redis.del(`${PREFIX}cache:${key}`))) ?? 0) > 0;
  }

  /** Leases still held are left to expire (within the heartbeat): another host may still count on them being held. */
  async close(): Promise<void> {
    clearInterval(this.renewTimer);
    this.held.clear();
    try {
      await this.redis.quit();
    } catch {
      this.redis.disconnect();
    }
  }

  private async rate(key: string, limit: number, periodSeconds: number, amount: number, mode: 'consume' | 'add'): Promise<RateResult> {
    const base = `${PREFIX}rate:{${key}}`;
    const reply = await this.attempt(() => this.scripts.apimgwRate(base, `${base}:total`, this.clockArg(), limit, periodSeconds * 1000, amount, mode));
    if (!reply) return { allowed: true, count: 0, remaining: limit, retryAfterSeconds: 0, degraded: true };
    const count = Number(reply[1]);
    return { allowed: Number(reply[0]) === 1, count, remaining: Math.max(0, limit - count), retryAfterSeconds: Number(reply[2]) };
  }

  private async quota(request: QuotaRequest, addCalls: number, addKilobytes: number, mode: 'consume' | 'add'): Promise<QuotaResult> {
    const reply = await this.attempt(() => this.scripts.apimgwQuota(
      `${PREFIX}quota:${request.key}`, this.clockArg(), request.periodSeconds * 1000, request.periodStartMs ?? DOTNET_MIN_DATE_MS,
      request.calls ?? '', request.kilobytes ?? '', addCalls, addKilobytes, mode,
    ));
    if (!reply) return { allowed: true, callsUsed: 0, kilobytesUsed: 0, renewsInSeconds: null, degraded: true };
    const renews = Number(reply[4]);
    const result: QuotaResult = { allowed: Number(reply[0]) === 1, callsUsed: Number(reply[2]), kilobytesUsed: Number(reply[3]), renewsInSeconds: renews < 0 ? null : renews };
    if (reply[1] === 'calls' || reply[1] === 'bandwidth') result.exceeded = reply[1];
    return result;
  }

  /** Extends every held lease by one heartbeat, never past its own leaseSeconds. */
  private async renewLeases(): Promise<void> {
    const now = Date.now();
    const byZset = new Map<string, Array<string | number>>();
    for (const [lease, held] of this.held) {
      const leftMs = held.deadline - now;
      if (leftMs <= 0) {
        this.held.delete(lease);
        continue;
      }
      let args = byZset.get(held.zset);
      if (!args) byZset.set(held.zset, (args = []));
      args.push(held.id, Math.min(leftMs, this.heartbeatMs));
    }
    await Promise.all([...byZset].map(([zset, args]) => this.attempt(() => this.scripts.apimgwRenewLeases(zset, this.clockArg(), ...args))));
  }

  /** Runs one Redis call; on any failure counts a failed-open call, runs `onFailure` and answers undefined. */
  private async attempt<T>(call: () => Promise<T>, onFailure?: () => void): Promise<T | undefined> {
    try {
      if (this.firstConnection) await withTimeout(this.firstConnection, this.commandTimeoutMs);
      return await call();
    } catch (error) {
      this.failedOpen((error as Error).message);
      onFailure?.();
      return undefined;
    }
  }

  private clockArg(): string {
    return this.now ? String(this.now()) : '';
  }

  private localNow(): number {
    return this.now ? this.now() : Date.now();
  }

  private failedOpen(reason: string): void {
    failedOpenTotal++;
    this.failedOpenSinceWarn++;
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.warn?.({ failedOpen: this.failedOpenSinceWarn, reason: `Redis: ${reason}` }, `shared state unavailable (Redis: ${reason}); rate limits, quotas and concurrency limits fail open, cache misses`);
    this.failedOpenSinceWarn = 0;
  }
}

function redisOptions(endpoint: RedisEndpoint, commandTimeoutMs: number): RedisOptions {
  return {
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.username,
    password: endpoint.password,
    db: endpoint.db,
    tls: endpoint.tls ? { servername: endpoint.tlsServername ?? endpoint.host } : undefined,
    connectionName: endpoint.clientName,
    connectTimeout: endpoint.connectTimeoutMs ?? 5000,
    commandTimeout: commandTimeoutMs,
    // Fail fast while disconnected rather than hold requests in a queue.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 16), MAX_RECONNECT_DELAY_MS),
    // Calls issued in the same tick go out as one write: many requests → few syscalls.
    enableAutoPipelining: true,
  };
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not connected within ${ms} ms`)), ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
