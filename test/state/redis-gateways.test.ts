import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEcho } from '../helpers.ts';
import { NODE_ENTRY, startGateway, type GatewayProcess } from '../cli/gateway-process.ts';
import { SKIP_WITHOUT_REDIS, startRedisServer, type RedisServer } from './redis-server.ts';

/**
 * Two real gateway processes (two workers each) sharing one real Redis:
 * one rate limit for all of them, and no crash when Redis dies.
 */

const PASSWORD = 'hunter2-redis-secret';
const LIMIT = 40;

let redis: RedisServer;
let echo: Awaited<ReturnType<typeof startEcho>>;
let dir: string;
const gateways: GatewayProcess[] = [];

before(async () => {
  if (SKIP_WITHOUT_REDIS) return;
  [redis, echo] = await Promise.all([startRedisServer(['--requirepass', PASSWORD]), startEcho()]);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-redis-gw-'));
  const config = path.join(dir, 'limited.yaml');
  fs.writeFileSync(config, `
apis:
  - id: limited
    path: limited
    serviceUrl: ${echo.url}
    subscriptionRequired: false
    policy: |
      <policies><inbound><base /><rate-limit-by-key calls="${LIMIT}" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;X-Key&quot;, &quot;none&quot;))" /></inbound></policies>
    operations: [{ id: any, method: GET, urlTemplate: /* }]
  - id: probe
    path: probe
    serviceUrl: ${echo.url}
    subscriptionRequired: false
    policy: |
      <policies><inbound><base /><rate-limit-by-key calls="1" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;X-Key&quot;, &quot;none&quot;))" /></inbound></policies>
    operations: [{ id: any, method: GET, urlTemplate: /* }]
`);
  const env = { 'cache.redis.connectionString': `127.0.0.1:${redis.port},password=${PASSWORD},abortConnect=False` };
  // One after the other: each is in the list (to be stopped) as soon as it runs, and a busy machine starts one at a time faster.
  for (let i = 0; i < 2; i++) gateways.push(await startGateway([...NODE_ENTRY, 'run', '--config', config], env));
});

after(async () => {
  if (SKIP_WITHOUT_REDIS) return;
  for (const gateway of gateways) {
    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
    assert.doesNotMatch(JSON.stringify(gateway.logs) + gateway.stderr(), new RegExp(PASSWORD), 'the Redis password is never logged');
  }
  echo.server.close();
  await redis.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** `count` calls at once, half to each gateway, each on a fresh connection so every worker gets some. */
async function burst(key: string, count: number, api = 'limited'): Promise<number[]> {
  return Promise.all(Array.from({ length: count }, async (_, i) => {
    const response = await fetch(`http://127.0.0.1:${gateways[i % 2]!.port}/${api}/x`, { headers: { 'x-key': key, connection: 'close' } });
    await response.arrayBuffer();
    return response.status;
  }));
}

const allowed = (statuses: number[]) => statuses.filter((status) => status === 200).length;

it('two gateways enforce one rate limit exactly, keep serving when Redis dies, and count again once it is back', { skip: SKIP_WITHOUT_REDIS }, async () => {
  const first = await burst('one', 3 * LIMIT);
  assert.equal(allowed(first), LIMIT);
  assert.equal(first.filter((status) => status === 429).length, 2 * LIMIT);

  await redis.kill();
  // Fail open: the exhausted key lets calls through again, on both gateways, and nothing crashes.
  assert.deepEqual(new Set(await burst('one', 20)), new Set([200]));
  for (const gateway of gateways) {
    await gateway.waitForLog((line) => typeof line.msg === 'string' && line.msg.startsWith('shared state unavailable (Redis:'));
    assert.equal(gateway.child.exitCode, null);
  }

  await redis.restart()
  // Every worker reconnects on its own within the capped backoff; probe (limit 1, one call to each gateway) until all count again.
  let counting = false;
  for (let attempt = 0; attempt < 100 && !counting; attempt++) {
    const probes = await Promise.all(Array.from({ length: 12 }, (_, i) => burst(`probe-${attempt}-${i}`, 2, 'probe')));
    counting = probes.every((statuses) => allowed(statuses) === 1);
    if (!counting) await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.ok(counting, 'counting again after Redis restarted');
  assert.equal(allowed(await burst('two', 3 * LIMIT)), LIMIT);
});
