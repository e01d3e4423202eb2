import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../../helpers.ts';
import { NODE_ENTRY, startGateway } from '../../cli/gateway-process.ts';
import { startPlane } from '../../config/serve/serve-helpers.ts';
import { parseExposition, sum } from './exposition.ts';

/**
 * examples/grafana/apimgw.json is a Grafana dashboard model whose every query
 * names metrics a real gateway exports: checked against the scrape of a
 * federated gateway (the one kind that has every health gauge: sync, token,
 * backup).
 */

interface Panel {
  id: number;
  type: string;
  title: string;
  description?: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Array<{ expr: string; refId: string; datasource?: { uid: string } }>;
}

const dashboard = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'examples/grafana/apimgw.json'), 'utf8')) as {
  title: string; uid: string; schemaVersion: number; panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
};

/** apimgw_x_bucket / _sum / _count name series of the histogram or summary apimgw_x. */
function family(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && (types.get(base) === 'histogram' || types.get(base) === 'summary') ? base : undefined;
}

test('the dashboard is a Grafana model with a Prometheus datasource variable, and every panel says what it shows', () => {
  assert.equal(typeof dashboard.uid, 'string');
  assert.ok(dashboard.schemaVersion >= 36);
  const datasource = dashboard.templating.list.find((v) => v.type === 'datasource');
  assert.deepEqual({ name: datasource?.name, query: datasource?.query }, { name: 'datasource', query: 'prometheus' });
  const ids = new Set<number>();
  for (const panel of dashboard.panels) {
    assert.ok(!ids.has(panel.id), `panel id ${panel.id} is unique`);
    ids.add(panel.id);
    assert.ok(panel.gridPos.w > 0 && panel.gridPos.x + panel.gridPos.w <= 24, `${panel.title} fits the 24-column grid`);
    if (panel.type === 'row') continue;
    assert.ok(panel.description && panel.description.length > 20, `${panel.title} has a description`);
    assert.equal(panel.datasource?.uid, '${datasource}');
    assert.ok(panel.targets && panel.targets.length > 0, `${panel.title} has queries`);
  }
});

test('every metric the dashboard queries is in a real scrape', async (t) => {
  const plane = await startPlane();
  t.after(() => plane.server.close());
  const gateway = await startGateway([...NODE_ENTRY, 'run'], {
    'runtime.workers': '1',
    'gateway.name': 'gw1',
    'config.service.endpoint': plane.server.url,
    'config.service.auth': plane.token(),
    'config.backup.dir': path.join(plane.dir, 'backup'),
    'telemetry.logs.local': 'none',
  });
  t.after(async () => {
    gateway.child.kill('SIGTERM');
    await gateway.exited;
  });
  // One request through to the (absent) backend, so the request series are there too.
  await (await fetch(`http://127.0.0.1:${gateway.port}/echo/items`)).text();
  let scraped = parseExposition('');
  for (let i = 0; i < 100 && !(sum(scraped, 'apimgw_requests_total') >= 1 && scraped.types.has('apimgw_config_backup_age_seconds')); i++) {
    scraped = parseExposition(await (await fetch(`http://127.0.0.1:${gateway.adminPort}/metrics`)).text());
    await new Promise((resolve) => setTimeout(resolve, 50));
  }

  // The health gauges of a federated gateway, sensible.
  assert.deepEqual(scraped.samples.find((s) => s.name === 'apimgw_config_sync_success')?.labels, { result: 'applied' });
  assert.equal(sum(scraped, 'apimgw_config_sync_success'), 1);
  const expiry = sum(scraped, 'apimgw_token_expiry_seconds');
  assert.ok(expiry > 3000 && expiry <= 3600, `token expires in ${expiry} s (the test token lives an hour)`);
  const backupAge = sum(scraped, 'apimgw_config_backup_age_seconds');
  assert.ok(backupAge >= 0 && backupAge < 60, `backup age ${backupAge}`);
  assert.equal(scraped.samples.find((s) => s.name === 'apimgw_config_info')?.labels.source, 'management plane');

  const queried = new Set<string>();
  for (const panel of dashboard.panels) for (const target of panel.targets ?? []) for (const name of target.expr.match(/\bapimgw_[a-z_]+/g) ?? []) queried.add(name);
  for (const variable of dashboard.templating.list) for (const name of JSON.stringify(variable.query).match(/\bapimgw_[a-z_]+/g) ?? []) queried.add(name);
  assert.ok(queried.size >= 15, `the dashboard queries ${queried.size} metrics`);
  const missing = [...queried].filter((name) => family(name, scraped.types) === undefined);
  assert.deepEqual(missing, [], 'metrics the dashboard queries but the gateway does not export');
});
