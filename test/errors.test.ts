import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { ERRORS } from '../src/errors.ts';

test('every error code is documented in docs/errors.md with its exit code', () => {
  const doc = fs.readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
  for (const [code, definition] of Object.entries(ERRORS)) {
    assert.match(doc, new RegExp(`\\| \`${code}\` \\| ${definition.exitCode} \\|`), `${code} missing from docs/errors.md`);
  }
  const documented = [...doc.matchAll(/\| `(APIMGW_E_[A-Z_]+)` \|/g)].map((m) => m[1]);
  assert.deepEqual(documented.filter((code) => !(code! in ERRORS)), [], 'docs/errors.md documents codes that no longer exist');
});
