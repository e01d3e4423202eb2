import { it } from 'node:test';
import assert from 'node:assert/strict';
import cluster from 'node:cluster';
import { once } from 'node:events';
import { MemoryStore, StateEngine } from '../../src/state/memory-store.ts';
import { StateServer } from '../../src/state/state-server.ts';
import { workerStateStore } from '../../src/state/worker-state.ts';

it('gives a process of its own a MemoryStore', async () => {
  const store = workerStateStore();
  assert.ok(store instanceof MemoryStore);
  assert.equal(workerStateStore(), store);
});

it('gives a cluster worker a store answered by its primary, as runGateway wires it', async () => {
  cluster.setupPrimary({ exec: new URL('./fixtures/cluster-worker.ts', import.meta.url).pathname, execArgv: [] });
  const engine = new StateEngine({ sweepIntervalMs: 0 });
  const server = new StateServer(engine);
  const worker = cluster.fork();
  server.attach(worker, String(worker.id));
  // The worker's state calls arrive on the same channel; wait for its report.
  const result = await new Promise((resolve) => worker.on('message', (message: { type: string }) => message.type === 'result' && resolve(message)));
  assert.deepEqual(result, { type: 'result', ipc: true, sameStore: true, allowed: [true, true, false] });
  assert.equal(engine.consumeRate({ key: 'cluster', limit: 2, periodSeconds: 60, amount: 0 }).count, 2);
  const exited = once(worker, 'exit');
  worker.disconnect();
  await exited;
  server.close();
});
