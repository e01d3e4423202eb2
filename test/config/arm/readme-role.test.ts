import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { main } from '../../../src/cli/program.ts';
import { NODE_ENTRY, runCommand } from '../../cli/gateway-process.ts';
import { REPO_ROOT } from '../../helpers.ts';
import { actionOf, startFakeArm, type FakeArm } from './fake-arm.ts';

/**
 * The least-privilege role of README "Use with an Azure API Management
 * instance", enforced by the fake ARM as a role assignment would be: with
 * exactly its actions a sync and check-connectivity succeed, every one of
 * them is used, and token renew --from-arm needs the two actions the README
 * keeps in a separate role.
 */

const CONTOSO = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'test/fixtures/arm/contoso.json'), 'utf8')) as { resources: Record<string, Record<string, unknown>> };
const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
const TOKEN_ACTIONS = ['Microsoft.ApiManagement/service/gateways/generateToken/action', 'Microsoft.ApiManagement/service/gateways/regenerateKey/action'];

function readerRole(): { Name: string; Actions: string[]; NotActions: string[] } {
  const section = README.slice(README.indexOf('### Use with an Azure API Management instance'));
  const json = /```json\n([\s\S]*?)\n```/.exec(section)?.[1];
  assert.ok(json, 'the README section holds the role as a JSON block');
  return JSON.parse(json) as { Name: string; Actions: string[]; NotActions: string[] };
}

let fake: FakeArm;
let dir: string;
before(async () => {
  fake = await startFakeArm(CONTOSO.resources);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-arm-role-'));
});
after(async () => {
  await fake.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const armRequests = () => fake.requests.filter((r) => !/^(GET|POST) (oauth2|v2\.0|discovery)/.test(r));
const usedActions = () => new Set(armRequests().map((r) => actionOf(r.slice(0, r.indexOf(' ')), r.slice(r.indexOf(' ') + 1))));

test('README role: a sync and check-connectivity succeed with exactly its actions, and use every one of them', async () => {
  const role = readerRole();
  assert.equal(role.Name, 'apimgw gateway reader');
  assert.deepEqual(role.NotActions, []);
  assert.ok(role.Actions.every((action) => !action.includes('*') && !action.endsWith('/write') && !action.endsWith('/delete')), 'reads only');
  fake.allowOnly(role.Actions);
  fake.requests.length = 0;
  try {
    const fetched = await runCommand([...NODE_ENTRY, 'config', 'fetch', '--from', 'arm', '--output', path.join(dir, 'snapshot.json'), '--json'], fake.settings());
    assert.equal(fetched.code, 0, fetched.stderr);

    let report = '';
    const stdout = new Writable({ write(chunk: Buffer, _encoding, callback) { report += chunk.toString(); callback(); } });
    const { NODE_EXTRA_CA_CERTS: _ca, ...env } = fake.settings();
    const code = await main({ argv: ['check-connectivity', '--ca', fake.caFile, '--json'], env, stdout, stderr: stdout });
    assert.equal(code, 0, report);

    assert.deepEqual([...usedActions()].sort(), [...role.Actions].sort(), 'the role holds what is called, and nothing that is not');
  } finally {
    fake.allowOnly(undefined);
  }
});

test('token renew --from-arm --rotate needs the README\'s two token actions on top of the reader role', async () => {
  const role = readerRole();
  for (const action of TOKEN_ACTIONS) assert.ok(README.includes(action), `README names ${action}`);
  const file = path.join(dir, 'gw1.token');
  const renew = [...NODE_ENTRY, 'token', 'renew', '--from-arm', '--rotate', '--file', file];

  fake.allowOnly(role.Actions);
  try {
    const refused = await runCommand(renew, fake.settings());
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /HTTP 403 AuthorizationFailed.*gateways\/generateToken\/action/);

    fake.allowOnly([...role.Actions, ...TOKEN_ACTIONS]);
    fake.requests.length = 0;
    const renewed = await runCommand(renew, fake.settings());
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.deepEqual([...usedActions()].sort(), [...TOKEN_ACTIONS].sort());
  } finally {
    fake.allowOnly(undefined);
  }
});
