import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { IpcStateStore } from '../../src/state/ipc-store.ts';
import { StateEngine } from '../../src/state/memory-store.ts';
import { StateServer } from '../../src/state/state-server.ts';
import { grantSize } from '../../src/state/rate-grant.ts';
import { CONTRACT_CACHE_LIMITS, CONTRACT_START_MS, runStoreContract } from './store.contract.ts';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

/** Forks a fixture with an IPC channel and waits for its {type:'ready'}. */
async function start(name: string, args: string[] = []): Promise<ChildProcess> {
  const child = fork(fixture(name), args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await nextMessage(child, 'ready');
  return child;
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: T) => {
      if (message.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(message);
    };
    const onExit = (code: number | null) => reject(new Error(`child exited (${code}) before sending ${type}`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
}

// The contract, with the store in a real forked process playing the primary.
runStoreContract('IpcStateStore (forked primary)', async () => {
  const child = await start('state-server-child.ts', [JSON.stringify({ startMs: CONTRACT_START_MS, ...CONTRACT_CACHE_LIMITS })]);
  const store = new IpcStateStore(child);
  return {
    store,
    advance: async (ms) => {
      const advanced = nextMessage(child, 'advanced');
      child.send({ type: 'advance', ms });
      await advanced;
    },
    close: async () => {
      await store.close();
      await stop(child);
    },
  };
});

describe('IpcStateStore across worker processes', () => {
  const children: ChildProcess[] = [];
  after(() => Promise.all(children.map(stop)));

  /** This test process plays the primary: one StateServer, several forked workers. */
  async function primaryWithWorkers(count: number) {
    const engine = new StateEngine({ sweepIntervalMs: 0 });
    const server = new StateServer(engine);
    const workers = await Promise.all(Array.from({ length: count }, () => start('state-client-child.ts')));
    workers.forEach((worker, i) => server.attach(worker, `w${i}`));
    children.push(...workers);
    return { engine, workers };
  }

  it('lets exactly `limit` calls through in total when several processes hit one key at once', async () => {
    const { workers } = await primaryWithWorkers(4);
    const replies = workers.map((worker) => nextMessage<{ type: 'consumed'; allowed: number; degraded: number }>(worker, 'consumed'));
    for (const worker of workers) worker.send({ type: 'consume', key: 'shared', limit: 150, calls: 100 });
    const results = await Promise.all(replies);
    assert.equal(results.reduce((sum, r) => sum + r.degraded, 0), 0);
    assert.equal(results.reduce((sum, r) => sum + r.allowed, 0), 150);
  });

  it('with a high limit, workers use rate grants: few round trips, never more than `limit`, unused calls given back', async () => {
    const { engine, workers } = await primaryWithWorkers(2);
    let messages = 0;
    for (const worker of workers) worker.on('message', (message: { type?: string }) => message.type === 'state' && messages++);
    const replies = workers.map((worker) => nextMessage<{ type: 'consumed'; allowed: number }>(worker, 'consumed'));
    for (const worker of workers) worker.send({ type: 'consume-in-turn', key: 'granted', limit: 50_000, calls: 30_000 });
    const allowed = (await Promise.all(replies)).reduce((sum, r) => sum + r.allowed, 0);
    assert.ok(allowed <= 50_000 && allowed >= 50_000 - 2 * grantSize(50_000, 2), `allowed ${allowed}`);
    // One message per grant while the window has room; once it is full, every refused call asks.
    assert.ok(messages <= (60_000 - allowed) + 2 * 50_000 / grantSize(50_000, 2) + 50, `${messages} IPC messages for 60000 calls, ${allowed} allowed`);
    const counted = () => engine.consumeRate({ key: 'granted', limit: 50_000, periodSeconds: 60, amount: 0 }).count;
    assert.equal(counted(), 50_000, 'the window is full: used and granted calls');
    // A worker that stops gives its unused grant back.
    const stopped = once(workers[0]!, 'exit');
    workers[0]!.kill('SIGTERM');
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 250));
    assert.equal(counted(), allowed);
  });

  it('takes back the leases of a worker that crashed', async () => {
    const { engine, workers } = await primaryWithWorkers(2);
    const [crashing, survivor] = workers as [ChildProcess, ChildProcess];
    crashing.send({ type: 'hold-leases', key: 'slots', max: 3, count: 3 });
    assert.equal((await nextMessage<{ type: 'held'; acquired: number }>(crashing, 'held')).acquired, 3);
    survivor.send({ type: 'hold-leases', key: 'slots', max: 3, count: 1 });
    assert.equal((await nextMessage<{ type: 'held'; acquired: number }>(survivor, 'held')).acquired, 0);

    const exited = once(crashing, 'exit');
    crashing.kill('SIGKILL');
    await exited;
    assert.equal(engine.inUse('slots'), 0);
    survivor.send({ type: 'hold-leases', key: 'slots', max: 3, count: 1 });
    assert.equal((await nextMessage<{ type: 'held'; acquired: number }>(survivor, 'held')).acquired, 1);
  });
});

describe('IpcStateStore when the primary does not answer', () => {
  it('fails open after the timeout and warns once, never hanging the caller', async () => {
    const child = await start('silent-child.ts');
    const warnings: Array<{ failedOpen: number }> = [];
    const store = new IpcStateStore(child, { timeoutMs: 50, warn: (fields) => warnings.push(fields) });
    try {
      const [rate, quota, lease, cached, stored] = await Promise.all([
        store.consumeRate({ key: 'k', limit: 5, periodSeconds: 10 }),
        store.consumeQuota({ key: 'k', periodSeconds: 300, calls: 5 }),
        store.acquireLease({ key: 'k', max: 1 }),
        store.getCached('k'),
        store.setCached('k', 'v', 10),
      ]);
      assert.deepEqual(rate, { allowed: true, count: 0, remaining: 5, retryAfterSeconds: 0, degraded: true });
      assert.deepEqual(quota, { allowed: true, callsUsed: 0, kilobytesUsed: 0, renewsInSeconds: null, degraded: true });
      assert.equal(lease.acquired && lease.degraded, true);
      if (lease.acquired) await store.releaseLease(lease.lease); // asks nothing of the primary, so resolves at once
      assert.equal(cached, undefined);
      assert.deepEqual(stored, { stored: false, reason: 'unavailable' });
      assert.equal(await store.deleteCached('k'), false);
      assert.equal(warnings.length, 1, 'one warning a minute, however many calls failed open');
    } finally {
      await store.close();
      await stop(child);
    }
  });

  it('gives back a lease the primary granted after the caller had been let through', async () => {
    const child = await start('slow-server-child.ts', ['150']);
    const store = new IpcStateStore(child, { timeoutMs: 30 });
    try {
      const lease = await store.acquireLease({ key: 'late', max: 1 });
      assert.equal(lease.acquired && lease.degraded, true);
      // The late grant arrives after 150 ms; the store releases it, and the release is answered 150 ms later.
      let count = -1;
      for (let attempt = 0; attempt < 50 && count !== 0; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        const reply = nextMessage<{ type: 'in-use'; count: number }>(child, 'in-use');
        child.send({ type: 'in-use', key: 'late' });
        count = (await reply).count;
      }
      assert.equal(count, 0);
    } finally {
      await store.close();
      await stop(child);
    }
  });

  it('fails open at once once the channel is gone', async () => {
    const child = await start('silent-child.ts');
    await stop(child);
    const store = new IpcStateStore(child, { timeoutMs: 60_000 });
    assert.equal((await store.consumeRate({ key: 'k', limit: 1, periodSeconds: 1 })).degraded, true);
    await store.close();
  });
});

describe('IpcStateStore round trip', () => {
  it('measures the cost of a call to the primary (printed, not asserted)', async (t) => {
    const child = await start('state-server-child.ts', [JSON.stringify({ startMs: Date.now() })]);
    const store = new IpcStateStore(child);
    try {
      const sequential = 2000;
      for (let i = 0; i < 200; i++) await store.consumeRate({ key: `warm-${i}`, limit: 10, periodSeconds: 60 });
      // Limits under 5,000 are asked of the primary call by call; high ones mostly use rate grants.
      let started = process.hrtime.bigint();
      for (let i = 0; i < sequential; i++) await store.consumeRate({ key: `seq-${i % 100}`, limit: 150, periodSeconds: 60 });
      const sequentialUs = Number(process.hrtime.bigint() - started) / 1000 / sequential;
      started = process.hrtime.bigint();
      for (let i = 0; i < sequential; i++) await store.consumeRate({ key: 'granted', limit: 1_000_000, periodSeconds: 60 });
      const grantedUs = Number(process.hrtime.bigint() - started) / 1000 / sequential;

      const concurrent = 20_000;
      started = process.hrtime.bigint();
      await Promise.all(Array.from({ length: concurrent }, (_, i) => store.consumeRate({ key: `par-${i % 100}`, limit: 150, periodSeconds: 60 })));
      const concurrentUs = Number(process.hrtime.bigint() - started) / 1000 / concurrent;

      const body = Buffer.alloc(64 * 1024, 7);
      started = process.hrtime.bigint();
      for (let i = 0; i < 200; i++) {
        await store.setCached('blob', body, 60);
        await store.getCached('blob');
      }
      const cacheUs = Number(process.hrtime.bigint() - started) / 1000 / 400;

      t.diagnostic(`IPC round trip, one call at a time: ${sequentialUs.toFixed(1)} µs/call`);
      t.diagnostic(`rate-limit with a high limit (rate grants), one call at a time: ${grantedUs.toFixed(1)} µs/call`);
      t.diagnostic(`IPC, ${concurrent} concurrent calls (batched): ${concurrentUs.toFixed(2)} µs/call, ${Math.round(1e6 / concurrentUs)} calls/s`);
      t.diagnostic(`IPC, 64 KiB cache set or get: ${cacheUs.toFixed(1)} µs/call`);
    } finally {
      await store.close();
      await stop(child);
    }
  });
});
