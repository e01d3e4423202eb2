import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StateStore } from '../../src/state/store.ts';

/**
 * What every StateStore must do, run against each implementation (memory,
 * IPC to a real forked process, later Redis). Time is the store's injected
 * clock, moved by `advance`, never slept.
 */

/** 2024-01-01T00:00:00Z: a whole number of every period used below since 0001-01-01. */
export const CONTRACT_START_MS = Date.parse('2024-01-01T00:00:00Z');

export const CONTRACT_CACHE_LIMITS = { maxCacheEntryBytes: 4096, maxCacheBytes: 16_384 };

export interface StoreHarness {
  store: StateStore;
  /** Moves the store's clock forward. */
  advance(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Builds a store whose clock starts at CONTRACT_START_MS and whose cache has CONTRACT_CACHE_LIMITS. */
export type HarnessFactory = () => Promise<StoreHarness>;

export interface ContractOptions {
  /** Why this store leaves bounding its cache's memory to something else (Redis: its maxmemory policy). */
  cacheMemoryBoundElsewhere?: string;
}

export function runStoreContract(name: string, makeHarness: HarnessFactory, options: ContractOptions = {}): void {
  describe(`StateStore contract: ${name}`, () => {
    let harness: StoreHarness;
    let store: StateStore;
    let keyCounter = 0;
    /** Each case uses its own keys, so cases sharing one store cannot disturb each other. */
    const key = (label: string) => `${label}-${++keyCounter}`;
    /** The store's clock, which only moves through `advance`. */
    let clock = CONTRACT_START_MS;
    const advance = (ms: number) => {
      clock += ms;
      return harness.advance(ms);
    };

    before(async () => {
      harness = await makeHarness();
      store = harness.store;
    });
    after(() => harness.close());

    describe('rate limits (sliding window)', () => {
      it('allows exactly `limit` of many concurrent calls', async () => {
        const k = key('rate');
        const results = await Promise.all(Array.from({ length: 50 }, () => store.consumeRate({ key: k, limit: 10, periodSeconds: 60 })));
        const allowed = results.filter((r) => r.allowed);
        assert.equal(allowed.length, 10);
        assert.deepEqual(allowed.map((r) => r.remaining).sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        for (const denied of results.filter((r) => !r.allowed)) {
          assert.deepEqual(denied, { allowed: false, count: 10, remaining: 0, retryAfterSeconds: 60 });
        }
      });

      it('lets each call age out `period` after it was made, and says when', async () => {
        const k = key('rate');
        const hit = () => store.consumeRate({ key: k, limit: 3, periodSeconds: 10 });
        assert.equal((await hit()).allowed, true); // t=0
        await advance(4000);
        assert.equal((await hit()).allowed, true); // t=4
        await advance(4000);
        assert.deepEqual(await hit(), { allowed: true, count: 3, remaining: 0, retryAfterSeconds: 0 }); // t=8
        await advance(1000);
        assert.deepEqual(await hit(), { allowed: false, count: 3, remaining: 0, retryAfterSeconds: 1 }); // t=9: t=0 ages out at 10
        await advance(1000);
        assert.deepEqual(await hit(), { allowed: true, count: 3, remaining: 0, retryAfterSeconds: 0 }); // t=10
        await advance(500);
        assert.deepEqual(await hit(), { allowed: false, count: 3, remaining: 0, retryAfterSeconds: 4 }); // t=10.5: t=4 ages out at 14
      });

      it('does not count denied calls, so waiting Retry-After is enough', async () => {
        const k = key('rate');
        const hit = () => store.consumeRate({ key: k, limit: 1, periodSeconds: 10 });
        assert.equal((await hit()).allowed, true);
        for (let i = 0; i < 9; i++) {
          await advance(1000);
          const denied = await hit();
          assert.equal(denied.allowed, false);
          assert.equal(denied.retryAfterSeconds, 10 - (i + 1));
        }
        await advance(1000);
        assert.equal((await hit()).allowed, true);
      });

      it('checks without counting (amount 0) and counts later, even past the limit', async () => {
        const k = key('rate');
        const check = () => store.consumeRate({ key: k, limit: 2, periodSeconds: 30, amount: 0 });
        assert.deepEqual(await check(), { allowed: true, count: 0, remaining: 2, retryAfterSeconds: 0 });
        assert.deepEqual(await store.addRate({ key: k, limit: 2, periodSeconds: 30, amount: 3 }), { allowed: true, count: 3, remaining: 0, retryAfterSeconds: 0 });
        assert.deepEqual(await check(), { allowed: false, count: 3, remaining: 0, retryAfterSeconds: 30 });
        await advance(30_000);
        assert.equal((await check()).allowed, true);
      });

      it('denies a call whose amount does not fit, counting nothing', async () => {
        const k = key('rate');
        const hit = (amount: number) => store.consumeRate({ key: k, limit: 5, periodSeconds: 60, amount });
        assert.equal((await hit(3)).allowed, true);
        assert.deepEqual(await hit(3), { allowed: false, count: 3, remaining: 2, retryAfterSeconds: 60 });
        assert.deepEqual(await hit(2), { allowed: true, count: 5, remaining: 0, retryAfterSeconds: 0 });
      });

      it('keeps keys apart', async () => {
        const a = key('rate');
        const b = key('rate');
        assert.equal((await store.consumeRate({ key: a, limit: 1, periodSeconds: 60 })).allowed, true);
        assert.equal((await store.consumeRate({ key: a, limit: 1, periodSeconds: 60 })).allowed, false);
        assert.equal((await store.consumeRate({ key: b, limit: 1, periodSeconds: 60 })).allowed, true);
      });
    });

    describe('quotas (fixed periods)', () => {
      it('allows exactly `calls` of many concurrent calls and names the exhausted limit', async () => {
        const k = key('quota');
        const results = await Promise.all(Array.from({ length: 20 }, () => store.consumeQuota({ key: k, periodSeconds: 3600, calls: 7 })));
        assert.equal(results.filter((r) => r.allowed).length, 7);
        const denied = results.find((r) => !r.allowed)!;
        const renewsInSeconds = Math.ceil((3_600_000 - ((clock - CONTRACT_START_MS) % 3_600_000)) / 1000);
        assert.deepEqual(denied, { allowed: false, exceeded: 'calls', callsUsed: 7, kilobytesUsed: 0, renewsInSeconds });
      });

      it('aligns periods to first-period-start (default 0001-01-01), not to the first call', async () => {
        // Observed on APIM: renewal-period 600 at 00:41:36 → "replenished in 00:08:24", retry-after 504.
        const k = key('quota');
        const hour = 3_600_000;
        await advance(Math.ceil(clock / hour) * hour + 41 * 60_000 + 36_000 - clock);
        const first = await store.consumeQuota({ key: k, periodSeconds: 600, calls: 1 });
        assert.deepEqual(first, { allowed: true, callsUsed: 1, kilobytesUsed: 0, renewsInSeconds: 504 });
        assert.equal((await store.consumeQuota({ key: k, periodSeconds: 600, calls: 1 })).renewsInSeconds, 504);
        assert.equal((await store.consumeQuota({ key: k, periodSeconds: 600, calls: 1 })).allowed, false);
        await advance(503_999);
        assert.equal((await store.consumeQuota({ key: k, periodSeconds: 600, calls: 1 })).allowed, false);
        await advance(1);
        assert.deepEqual(await store.consumeQuota({ key: k, periodSeconds: 600, calls: 1 }), { allowed: true, callsUsed: 1, kilobytesUsed: 0, renewsInSeconds: 600 });
      });

      it('aligns periods to an explicit anchor', async () => {
        const request = { key: key('quota'), periodSeconds: 300, periodStartMs: clock + 100_000, calls: 5 };
        // Periods start at anchor − 300 s·n: the one holding now began 200 s ago and ends in 100 s.
        assert.equal((await store.consumeQuota(request)).renewsInSeconds, 100);
      });

      it('counts bandwidth after the response and denies once it is used up', async () => {
        const k = key('quota');
        const request = { key: k, periodSeconds: 3600, calls: 100, kilobytes: 10 };
        assert.equal((await store.consumeQuota(request)).allowed, true);
        const added = await store.addQuota({ ...request, addCalls: 0, addKilobytes: 10.5 });
        assert.equal(added.kilobytesUsed, 10.5);
        assert.equal(added.callsUsed, 1);
        const denied = await store.consumeQuota(request);
        assert.equal(denied.allowed, false);
        assert.equal(denied.exceeded, 'bandwidth');
        assert.equal(denied.callsUsed, 1);
      });

      it('never renews a period of 0', async () => {
        const k = key('quota');
        const request = { key: k, periodSeconds: 0, calls: 1 };
        assert.deepEqual(await store.consumeQuota(request), { allowed: true, callsUsed: 1, kilobytesUsed: 0, renewsInSeconds: null });
        await advance(400 * 86_400_000);
        assert.deepEqual(await store.consumeQuota(request), { allowed: false, exceeded: 'calls', callsUsed: 1, kilobytesUsed: 0, renewsInSeconds: null });
      });
    });

    describe('concurrency leases', () => {
      it('grants exactly `max` of many concurrent acquisitions, and a released slot again', async () => {
        const k = key('lease');
        const results = await Promise.all(Array.from({ length: 10 }, () => store.acquireLease({ key: k, max: 3 })));
        const granted = results.filter((r) => r.acquired);
        assert.equal(granted.length, 3);
        assert.deepEqual(results.find((r) => !r.acquired), { acquired: false, inUse: 3 });
        assert.equal(new Set(granted.map((r) => r.lease)).size, 3);
        await store.releaseLease(granted[0]!.lease);
        await store.releaseLease(granted[0]!.lease); // twice frees one slot only
        await store.releaseLease('no-such-lease');
        assert.equal((await store.acquireLease({ key: k, max: 3 })).acquired, true);
        assert.equal((await store.acquireLease({ key: k, max: 3 })).acquired, false);
      });

      it('takes back a lease held longer than leaseSeconds', async () => {
        const k = key('lease');
        assert.equal((await store.acquireLease({ key: k, max: 1, leaseSeconds: 5 })).acquired, true);
        await advance(4999);
        assert.equal((await store.acquireLease({ key: k, max: 1, leaseSeconds: 5 })).acquired, false);
        await advance(1);
        assert.equal((await store.acquireLease({ key: k, max: 1, leaseSeconds: 5 })).acquired, true);
      });
    });

    describe('cache', () => {
      it('round-trips JSON with bytes inside, as a fresh copy each time', async () => {
        const k = key('cache');
        const value = { status: 200, headers: [['content-type', 'text/plain']], body: Buffer.from('hello'), nothing: null };
        assert.deepEqual(await store.setCached(k, value, 60), { stored: true });
        const first = await store.getCached(k) as typeof value;
        assert.deepEqual(first, value);
        assert.ok(Buffer.isBuffer(first.body));
        first.status = 500;
        assert.equal((await store.getCached(k) as typeof value).status, 200);
        assert.equal(await store.getCached(key('cache')), undefined);
        assert.equal(await store.deleteCached(k), true);
        assert.equal(await store.deleteCached(k), false);
        assert.equal(await store.getCached(k), undefined);
      });

      it('stores strings and numbers as they are', async () => {
        const k = key('cache');
        await store.setCached(k, 'plain text', 60);
        assert.equal(await store.getCached(k), 'plain text');
        await store.setCached(k, 42, 60);
        assert.equal(await store.getCached(k), 42);
      });

      it('expires an entry after its time to live', async () => {
        const k = key('cache');
        await store.setCached(k, 'v', 10);
        await advance(9999);
        assert.equal(await store.getCached(k), 'v');
        await advance(1);
        assert.equal(await store.getCached(k), undefined);
      });

      it('refuses an entry over the size cap and drops the older value', async () => {
        const k = key('cache');
        await store.setCached(k, 'small', 60);
        assert.deepEqual(await store.setCached(k, Buffer.alloc(CONTRACT_CACHE_LIMITS.maxCacheEntryBytes + 1), 60), { stored: false, reason: 'too-large' });
        assert.equal(await store.getCached(k), undefined);
      });

      it('stores nothing for a time to live of 0', async () => {
        const k = key('cache');
        await store.setCached(k, 'v', 60);
        assert.deepEqual(await store.setCached(k, 'w', 0), { stored: false, reason: 'no-ttl' });
        assert.equal(await store.getCached(k), undefined);
      });

      it('evicts the least recently used entries to stay within its memory bound', { skip: options.cacheMemoryBoundElsewhere }, async () => {
        const [a, b, c, d, e] = [key('lru'), key('lru'), key('lru'), key('lru'), key('lru')];
        const blob = () => Buffer.alloc(3500);
        for (const k of [a, b, c, d]) assert.deepEqual(await store.setCached(k!, blob(), 600), { stored: true });
        assert.ok(await store.getCached(a!)); // a is now the most recently used
        await store.setCached(e!, blob(), 600); // 5 × ~3.6 KB > 16 KB: the least recently used (b) goes
        assert.equal(await store.getCached(b!), undefined);
        for (const k of [a, c, d, e]) assert.ok(await store.getCached(k!), `${k} kept`);
      });
    });
  });
}
