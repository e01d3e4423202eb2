import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore, StateEngine } from '../../src/state/memory-store.ts';
import { DEFAULT_MAX_CACHE_ENTRY_BYTES } from '../../src/state/store.ts';
import { CONTRACT_CACHE_LIMITS, CONTRACT_START_MS, runStoreContract } from './store.contract.ts';

function manualEngine(options: ConstructorParameters<typeof StateEngine>[0] = {}) {
  let now = CONTRACT_START_MS;
  const engine = new StateEngine({ now: () => now, sweepIntervalMs: 0, ...options });
  return { engine, advance: (ms: number) => { now += ms; } };
}

runStoreContract('MemoryStore', async () => {
  const { engine, advance } = manualEngine(CONTRACT_CACHE_LIMITS);
  const store = new MemoryStore(engine);
  return { store, advance: async (ms) => advance(ms), close: () => store.close() };
});

describe('StateEngine', () => {
  it('forgets expired keys on a sweep, not only when touched again', () => {
    const { engine, advance } = manualEngine();
    engine.consumeRate({ key: 'r', limit: 5, periodSeconds: 10 });
    engine.consumeQuota({ key: 'q', periodSeconds: 300, calls: 5 });
    engine.setBytes('c', new Uint8Array(10), 20);
    engine.acquireLease({ key: 'l', max: 1, leaseSeconds: 30 }, 'w1');
    assert.deepEqual(engine.stats(), { rateKeys: 1, quotaKeys: 1, cacheEntries: 1, cacheBytes: engine.stats().cacheBytes });
    advance(10_000);
    engine.sweep();
    assert.equal(engine.stats().rateKeys, 0);
    advance(290_000);
    engine.sweep();
    assert.deepEqual(engine.stats(), { rateKeys: 0, quotaKeys: 0, cacheEntries: 0, cacheBytes: 0 });
    assert.equal(engine.inUse('l'), 0);
  });

  it('keeps a busy key\'s window to a bounded number of buckets, still exact at the limit', () => {
    const { engine, advance } = manualEngine();
    let allowed = 0;
    // 100 000 calls over 300 s against a limit of 50 000: at most ~300 one-second buckets are held.
    for (let i = 0; i < 100_000; i++) {
      if (engine.consumeRate({ key: 'hot', limit: 50_000, periodSeconds: 300 }).allowed) allowed++;
      advance(3);
    }
    assert.equal(allowed, 50_000);
  });

  it('releases every lease of an owner that is gone, and only those', () => {
    const { engine } = manualEngine();
    engine.acquireLease({ key: 'k', max: 3 }, 'w1');
    engine.acquireLease({ key: 'k', max: 3 }, 'w1');
    engine.acquireLease({ key: 'k', max: 3 }, 'w2');
    assert.equal(engine.releaseOwner('w1'), 2);
    assert.equal(engine.inUse('k'), 1);
  });

  it('caps a cache entry at 2 MiB of response plus room for headers by default', () => {
    const { engine } = manualEngine();
    assert.deepEqual(engine.setBytes('two-mib', new Uint8Array(2 * 1024 * 1024), 60), { stored: true });
    assert.deepEqual(engine.setBytes('more', new Uint8Array(DEFAULT_MAX_CACHE_ENTRY_BYTES + 1), 60), { stored: false, reason: 'too-large' });
  });

  it('sweeps on its own timer when asked to', async () => {
    const engine = new StateEngine({ sweepIntervalMs: 5 });
    engine.setBytes('c', new Uint8Array(1), 0.001);
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(engine.stats().cacheEntries, 0);
    engine.close();
  });
});
