import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadApiopsFolder } from '../../src/config/load-apiops.ts';
import { ApimgwError } from '../../src/errors.ts';
import { checkPolicies } from '../../src/policy/check.ts';
import { configFromYaml, REPO_ROOT } from '../helpers.ts';

const SETTINGS = { 'net.client.timeout': 30, 'net.client.connections': 4 };

function detailsOf(run: () => void): readonly string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApimgwError);
    assert.equal(error.code, 'APIMGW_E_CONFIG_INVALID');
    return error.details;
  }
  assert.fail('no policy errors');
}

test('a YAML snapshot: errors name the document by its place in the snapshot', () => {
  const config = configFromYaml([
    'apis:',
    '  - id: orders',
    '    path: orders',
    '    operations:',
    '      - id: get',
    '        method: GET',
    '        urlTemplate: /',
    '        policy: |',
    '          <policies>',
    '            <inbound>',
    '              <set-headr name="x"/>',
    '            </inbound>',
    '          </policies>',
  ].join('\n'));
  assert.deepEqual(detailsOf(() => checkPolicies(config, SETTINGS)), ['apis[orders].operations[get].policy:3:5 unknown policy "set-headr"; did you mean "set-header"?']);
});

test('an APIOps folder: errors name the policy.xml to open', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-policy-check-'));
  fs.cpSync(path.join(REPO_ROOT, 'test/fixtures/apiops-sample'), dir, { recursive: true });
  const file = path.join(dir, 'apis/basic-api/operations/get-items/policy.xml');
  fs.writeFileSync(file, '<policies>\n\t<inbound>\n\t\t<base />\n\t\t<choose>\n\t</inbound>\n</policies>\n');
  const details = detailsOf(() => checkPolicies(loadApiopsFolder(dir), SETTINGS));
  assert.ok(details.includes(`${file}:5:2 </inbound> does not close <choose> opened at 4:3`), details.join('\n'));
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the embedded example compiles', () => {
  checkPolicies(configFromYaml(fs.readFileSync(path.join(REPO_ROOT, 'examples/gateway.yaml'), 'utf8')), SETTINGS);
});
