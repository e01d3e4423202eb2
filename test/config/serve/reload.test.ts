import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { configYaml, startPlane, until, type Plane } from './serve-helpers.ts';

async function servedRevision(plane: Plane): Promise<string> {
  const response = await fetch(`${plane.server.url}/gateways/gw1/configuration`, { headers: { authorization: plane.token() } });
  assert.equal(response.status, 200);
  return (await response.json() as { revision: string }).revision;
}

test('a changed config file is served at the next GET, with a new ETag', async () => {
  const plane = await startPlane();
  try {
    assert.equal(await servedRevision(plane), 'r1');
    fs.writeFileSync(plane.configFile, configYaml('r2'));
    await until(async () => ((await servedRevision(plane)) === 'r2' ? true : undefined));
    assert.ok(plane.logs.lines.some((line) => line.msg === 'configuration changed' && line.revision === 'r2' && line.previousRevision === 'r1'));
  } finally {
    await plane.server.close();
  }
});

test('a broken change keeps the previous snapshot served and logs every located error, policy errors included', async () => {
  const plane = await startPlane();
  try {
    fs.writeFileSync(plane.configFile, configYaml('r2', '    colour: blue'));
    const rejected = await until(() => plane.logs.lines.find((line) => line.msg === 'configuration change rejected: still serving the previous revision'));
    assert.equal(rejected.serving, 'r1');
    assert.match(String((rejected.errors as string[])[0]), /gateway\.yaml:4:5 apis\[0\]: unknown field "colour"/);
    assert.equal(await servedRevision(plane), 'r1');

    fs.writeFileSync(plane.configFile, configYaml('r3', 'policy: "<policies><inbound><no-such-policy /></inbound></policies>"'));
    const policy = await until(() => plane.logs.lines.find((line) => line.msg?.toString().startsWith('configuration change rejected') && JSON.stringify(line.errors).includes('no-such-policy')));
    assert.equal(policy.level, 50);
    assert.equal(await servedRevision(plane), 'r1');

    fs.writeFileSync(plane.configFile, configYaml('r4'));
    await until(async () => ((await servedRevision(plane)) === 'r4' ? true : undefined));
  } finally {
    await plane.server.close();
  }
});

test('reload() (SIGHUP) re-reads without waiting for a file event', async () => {
  const plane = await startPlane({ debounceMs: 60_000 });
  try {
    fs.writeFileSync(plane.configFile, configYaml('r2'));
    await plane.server.reload();
    assert.equal(await servedRevision(plane), 'r2');
  } finally {
    await plane.server.close();
  }
});

test('an APIOps folder: each gateway is served the APIs assigned to it, and a change in the folder is picked up', async () => {
  const plane = await startPlane();
  await plane.server.close();
  const folder = path.join(plane.dir, 'apiops');
  const api = (id: string) => {
    fs.mkdirSync(path.join(folder, 'apis', id), { recursive: true });
    fs.writeFileSync(path.join(folder, 'apis', id, 'apiInformation.json'), JSON.stringify({ properties: { displayName: id, path: id, serviceUrl: 'http://127.0.0.1:3001', subscriptionRequired: false } }));
  };
  api('orders');
  api('billing');
  fs.mkdirSync(path.join(folder, 'gateways', 'east', 'apis', 'orders'), { recursive: true });
  fs.mkdirSync(path.join(folder, 'gateways', 'west', 'apis', 'billing'), { recursive: true });
  const served = await startPlane({ configPath: folder, keysFile: path.join(plane.dir, 'apiops.keys.json'), gateways: [] });
  try {
    assert.deepEqual(served.server.keys.gateways().sort(), ['east', 'west'], 'gateways the folder declares get keys');
    const apis = async (gateway: string) => {
      const response = await fetch(`${served.server.url}/gateways/${gateway}/configuration`, { headers: { authorization: served.token(gateway) } });
      return (await response.json() as { apis: Array<{ id: string }> }).apis.map((a) => a.id).sort();
    };
    assert.deepEqual(await apis('east'), ['orders']);
    assert.deepEqual(await apis('west'), ['billing']);
    const loaded = served.logs.lines.find((line) => line.msg === 'configuration loaded' && line.gateway === 'east');
    assert.match(JSON.stringify(loaded?.warnings), /serving only the APIs assigned to gateway \\"east\\"; left out: billing/);
    fs.mkdirSync(path.join(folder, 'gateways', 'east', 'apis', 'billing'));
    await until(async () => ((await apis('east')).length === 2 ? true : undefined));
    assert.deepEqual(await apis('west'), ['billing']);
  } finally {
    await served.server.close();
  }
});
