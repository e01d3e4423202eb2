import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { builtInRegistry } from '../../src/policy/compile.ts';
import { APIM_POLICY_NAMES } from '../../src/policy/registry.ts';
import { REPO_ROOT } from '../helpers.ts';

const docs = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'policies.md'), 'utf8');
const [supported, unsupported] = docs.split('## Not supported');
/** Structural elements the document compiler handles itself. */
const STRUCTURAL = ['base', 'include-fragment'];

test('docs/policies.md lists every policy apimgw runs in its table', () => {
  const registry = builtInRegistry();
  const implemented = registry.knownNames().filter((name) => registry.get(name) !== undefined);
  for (const name of [...STRUCTURAL, ...implemented]) assert.match(supported!, new RegExp(`^\\| [^|]*\`${name}\``, 'm'), `${name} is not in the Supported table`);
});

test('docs/policies.md names every APIM policy apimgw refuses, and the registry refuses them', () => {
  const registry = builtInRegistry();
  const refused = APIM_POLICY_NAMES.filter((name) => registry.get(name) === undefined && !STRUCTURAL.includes(name));
  for (const name of refused) {
    assert.ok(unsupported!.includes(`\`${name}\``), `${name} is not in the Not supported list`);
    assert.equal(registry.problem(name), `policy "${name}" is not supported by apimgw`);
  }
});

test('an unknown policy name suggests the closest known one', () => {
  assert.equal(builtInRegistry().problem('set-headr'), 'unknown policy "set-headr"; did you mean "set-header"?');
});
