import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseRedisConnectionString } from '../../src/state/redis-connection.ts';
import { RedisStore, redisFailedOpenTotal, type RedisStoreOptions } from '../../src/state/redis-store.ts';
import { CONTRACT_CACHE_LIMITS, CONTRACT_START_MS, runStoreContract } from './store.contract.ts';
import { SKIP_WITHOUT_REDIS, startRedisServer, type RedisServer } from './redis-server.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function connect(server: RedisServer, options: RedisStoreOptions = {}): RedisStore {
  return new RedisStore(parseRedisConnectionString(server.connectionString), options);
}

if (SKIP_WITHOUT_REDIS) {
  it('RedisStore', { skip: SKIP_WITHOUT_REDIS }, () => {});
} else {
  // The contract, against a real redis-server, with the scripts on the test's manual clock.
  runStoreContract('RedisStore', async () => {
    const server = await startRedisServer();
    let now = CONTRACT_START_MS;
    const store = connect(server, { now: () => now, maxCacheEntryBytes: CONTRACT_CACHE_LIMITS.maxCacheEntryBytes });
    return {
      store,
      advance: async (ms) => {
        now += ms;
      },
      close: async () => {
        await store.close();
        await server.stop();
      },
    };
  }, { cacheMemoryBoundElsewhere: 'Redis bounds its memory itself (maxmemory, maxmemory-policy allkeys-lru)' });

  describe('RedisStore on the Redis server clock', () => {
    let server: RedisServer;
    const stores: RedisStore[] = [];
    const open = (options: RedisStoreOptions = {}) => {
      const store = connect(server, options);
      stores.push(store);
      return store;
    };
    before(async () => {
      server = await startRedisServer();
    });
    after(async () => {
      await Promise.all(stores.map((store) => store.close()));
      await server.stop();
    });

    it('lets exactly `limit` through across several connections (gateways) hitting one key at once', async () => {
      const gateways = [open(), open(), open()];
      const results = await Promise.all(gateways.flatMap((store) => Array.from({ length: 100 }, () => store.consumeRate({ key: 'shared', limit: 120, periodSeconds: 60 }))));
      assert.equal(results.filter((r) => r.degraded).length, 0);
      assert.equal(results.filter((r) => r.allowed).length, 120);
    });

    it('namespaces its keys and gives every one a time to live', async () => {
      const store = open();
      await store.consumeRate({ key: 'ttl', limit: 5, periodSeconds: 10 });
      await store.consumeQuota({ key: 'ttl', periodSeconds: 3600, calls: 5 });
      await store.acquireLease({ key: 'ttl', max: 5 });
      await store.setCached('ttl', 'v', 60);
      const keys = (await store.redis.keys('*ttl*')).sort();
      assert.deepEqual(keys, ['apimgw:cache:ttl', 'apimgw:lease:ttl', 'apimgw:quota:ttl', 'apimgw:rate:{ttl}', 'apimgw:rate:{ttl}:total']);
      for (const key of keys) {
        const ttl = await store.redis.pttl(key);
        assert.ok(ttl > 0 && ttl <= 3_600_000, `${key} expires (${ttl} ms)`);
      }
    });

    it('keeps a held lease past its heartbeat by renewing it, and a dead holder\'s slot comes back within one heartbeat', async () => {
      const holder = open({ leaseHeartbeatMs: 300 });
      const other = open({ leaseHeartbeatMs: 300 });
      const held = await holder.acquireLease({ key: 'renewed', max: 1, leaseSeconds: 60 });
      assert.equal(held.acquired, true);
      await sleep(700);
      assert.equal((await other.acquireLease({ key: 'renewed', max: 1 })).acquired, false, 'renewed by its holder');
      await holder.close(); // a holder that stops without releasing: no more renewals
      await sleep(400);
      assert.equal((await other.acquireLease({ key: 'renewed', max: 1 })).acquired, true, 'taken back');
    });

    it('stops renewing a lease once its leaseSeconds are up', async () => {
      const holder = open({ leaseHeartbeatMs: 300 });
      assert.equal((await holder.acquireLease({ key: 'bounded', max: 1, leaseSeconds: 0.5 })).acquired, true);
      await sleep(800);
      assert.equal((await holder.acquireLease({ key: 'bounded', max: 1 })).acquired, true);
    });
  });

  describe('RedisStore when Redis goes away', () => {
    it('fails open at once, counts it, warns once, and counts exactly again after Redis is back', async () => {
      const server = await startRedisServer();
      const warnings: Array<{ failedOpen: number; reason: string }> = [];
      const store = connect(server, { warn: (fields) => warnings.push(fields) });
      try {
        assert.equal((await store.consumeRate({ key: 'k', limit: 1, periodSeconds: 60 })).allowed, true);
        assert.equal((await store.consumeRate({ key: 'k', limit: 1, periodSeconds: 60 })).allowed, false);
        await server.kill();
        const before = redisFailedOpenTotal();
        const started = Date.now();
        const rate = await store.consumeRate({ key: 'k', limit: 1, periodSeconds: 60 });
        assert.deepEqual(rate, { allowed: true, count: 0, remaining: 1, retryAfterSeconds: 0, degraded: true });
        assert.deepEqual(await store.consumeQuota({ key: 'q', periodSeconds: 60, calls: 1 }), { allowed: true, callsUsed: 0, kilobytesUsed: 0, renewsInSeconds: null, degraded: true });
        const lease = await store.acquireLease({ key: 'l', max: 1 });
        assert.deepEqual(lease, { acquired: true, lease: '!fail-open', inUse: 0, degraded: true });
        await store.releaseLease('!fail-open');
        assert.equal(await store.getCached('c'), undefined);
        assert.deepEqual(await store.setCached('c', 'v', 60), { stored: false, reason: 'unavailable' });
        assert.equal(await store.deleteCached('c'), false);
        assert.ok(Date.now() - started < 500, 'no call waited for a timeout');
        assert.equal(redisFailedOpenTotal() - before, 6);
        assert.equal(warnings.length, 1, 'one warning, not one per call');
        assert.match(warnings[0]!.reason, /^Redis: /);

        await server.restart();
        let recovered = false;
        for (let i = 0; i < 100 && !recovered; i++) {
          recovered = !(await store.consumeRate({ key: 'after', limit: 2, periodSeconds: 60 })).degraded;
          if (!recovered) await sleep(50);
        }
        assert.ok(recovered, 'reconnected');
        assert.equal((await store.consumeRate({ key: 'after', limit: 2, periodSeconds: 60 })).allowed, true);
        assert.equal((await store.consumeRate({ key: 'after', limit: 2, periodSeconds: 60 })).allowed, false);
      } finally {
        await store.close();
        await server.stop();
      }
    });

    it('fails open within the command timeout when Redis hangs', async () => {
      const server = await startRedisServer(['--enable-debug-command', 'yes']);
      const store = connect(server, { commandTimeoutMs: 200 });
      // The connection that puts Redis to sleep waits well past the sleep, even on a loaded machine.
      const blocked = connect(server, { commandTimeoutMs: 30_000 });
      try {
        await store.setCached('c', 'v', 60);
        await blocked.getCached('connected');
        // DEBUG SLEEP blocks the whole server, as a stuck Redis would.
        const sleeping = blocked.redis.debug('SLEEP', '1');
        await sleep(50);
        const started = Date.now();
        assert.equal(await store.getCached('c'), undefined);
        assert.ok(Date.now() - started < 600);
        await sleeping;
        assert.equal(await store.getCached('c'), 'v', 'answers again once Redis does');
      } finally {
        await blocked.close();
        await store.close();
        await server.stop();
      }
    });
  });
}
