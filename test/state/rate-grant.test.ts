import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StateEngine } from '../../src/state/memory-store.ts';
import { grantLifetimeMs, grantSize, MAX_GRANT, RateGrants } from '../../src/state/rate-grant.ts';
import type { RateRequest } from '../../src/state/store.ts';

/** Workers' grant holders over one real StateEngine, as the primary would serve them (without the IPC hop). */
function cluster(workers: number) {
  const engine = new StateEngine({ sweepIntervalMs: 0 });
  let asks = 0;
  const holders = Array.from({ length: workers }, () => new RateGrants(
    (request, grant) => {
      asks++;
      return Promise.resolve(grant ? engine.takeRate(request, grantSize(request.limit, workers)) : engine.consumeRate(request));
    },
    (refund) => engine.refundRate(refund),
  ));
  const counted = (key: string, limit: number, periodSeconds = 60) => engine.consumeRate({ key, limit, periodSeconds, amount: 0 }).count;
  return { engine, holders, counted, asks: () => asks };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('rate grants', () => {
  it('are 1 % of the limit shared by the workers, at most MAX_GRANT, none under 50: limits under 5,000 a worker stay exact call by call', () => {
    assert.equal(grantSize(100, 1), 0);
    assert.equal(grantSize(4999, 1), 0);
    assert.equal(grantSize(5000, 1), 50);
    assert.equal(grantSize(10_000, 2), 50);
    assert.equal(grantSize(10_000, 8), 0);
    assert.equal(grantSize(100_000, 2), 500);
    assert.equal(grantSize(100_000_000, 2), MAX_GRANT);
    assert.equal(grantLifetimeMs(300), 100);
    assert.equal(grantLifetimeMs(1), 50);
  });

  it('a limit under 5,000 a worker asks the primary for every call and is exact', async () => {
    const { holders, asks } = cluster(2);
    const request: RateRequest = { key: 'small', limit: 9000, periodSeconds: 60 };
    let allowed = 0;
    for (let i = 0; i < 9100; i++) if ((await holders[i % 2]!.consume(request)).allowed) allowed++;
    assert.equal(allowed, 9000);
    assert.equal(asks(), 9100);
  });

  it('a high limit is paid for once per grant, and never lets more than `limit` through across workers', async () => {
    const { holders, counted, asks } = cluster(2);
    const request: RateRequest = { key: 'high', limit: 20_000, periodSeconds: 60 };
    let allowed = 0;
    let refusedAt = -1;
    for (let i = 0; i < 21_000; i++) {
      const result = await holders[i % 2]!.consume(request);
      if (result.allowed) allowed++;
      else if (refusedAt === -1) refusedAt = i;
      assert.ok(counted('high', 20_000) <= 20_000, 'the primary never counts past the limit');
      assert.ok(result.remaining >= 0 && result.remaining <= 20_000);
    }
    assert.ok(allowed <= 20_000);
    // Near the limit no grant fits, so at most the other worker's unused grant (100) is refused early.
    assert.ok(allowed >= 20_000 - grantSize(20_000, 2), `allowed ${allowed}`);
    // One ask per grant while the window has room; once it is full, every refused call asks.
    assert.ok(asks() <= 2 * 20_000 / grantSize(20_000, 2) + 1000 + 10, `${asks()} asks for 21000 calls`);
    assert.ok(refusedAt >= 20_000 - grantSize(20_000, 2));
  });

  it('unused granted calls go back to the primary once the grant\'s lifetime is over, and all of them on close', async () => {
    const { holders, counted } = cluster(1);
    const request: RateRequest = { key: 'refund', limit: 100_000, periodSeconds: 60 };
    assert.equal((await holders[0]!.consume(request)).allowed, true);
    const grant = grantSize(100_000, 1);
    assert.equal(counted('refund', 100_000), 1 + grant, 'the grant is counted before any of it is used');
    for (let i = 0; i < 10; i++) await holders[0]!.consume(request);
    await sleep(grantLifetimeMs(60) * 2 + 50);
    assert.equal(counted('refund', 100_000), 11);

    await holders[0]!.consume(request);
    assert.equal(counted('refund', 100_000), 12 + grant);
    holders[0]!.giveAllBack();
    assert.equal(counted('refund', 100_000), 12);
  });

  it('a grant serves only the same limit and window; check-only calls always ask', async () => {
    const { holders, counted, asks } = cluster(1);
    await holders[0]!.consume({ key: 'k', limit: 10_000, periodSeconds: 60 });
    const before = asks();
    await holders[0]!.consume({ key: 'k', limit: 10_000, periodSeconds: 60 });
    assert.equal(asks(), before, 'served from the grant');
    await holders[0]!.consume({ key: 'k', limit: 20_000, periodSeconds: 60 });
    assert.equal(asks(), before + 1, 'another limit: the old grant is given back and the primary asked');
    await holders[0]!.consume({ key: 'k', limit: 20_000, periodSeconds: 60, amount: 0 });
    assert.equal(asks(), before + 2);
    holders[0]!.giveAllBack();
    assert.equal(counted('k', 20_000), 3);
  });
});
