import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkPolicies } from '../../src/policy/check.ts';
import { secretScrubber } from '../../src/policy/secrets.ts';
import { isApimgwError } from '../../src/errors.ts';
import { configFromYaml } from '../helpers.ts';

test('secret named values are replaced by their reference, longest first; plain ones and short ones stay', () => {
  const scrub = secretScrubber({ namedValues: [
    { name: 'key', value: 'sup3r-s3cret', secret: true },
    { name: 'longer', value: 'sup3r-s3cret-and-more', secret: true },
    { name: 'plain', value: 'visible', secret: false },
    { name: 'tiny', value: 'ab', secret: true },
  ] });
  assert.equal(scrub('a sup3r-s3cret-and-more b sup3r-s3cret c visible ab'), 'a {{longer}} b {{key}} c visible ab');
});

test('a compile error quoting an attribute that holds a secret named value shows the reference, not the secret', () => {
  const config = configFromYaml(`
namedValues: [{ name: retries, value: "not-a-number-s3cret", secret: true }]
apis:
  - id: a
    path: a
    serviceUrl: http://127.0.0.1:1
    policy: '<policies><inbound><rate-limit calls="{{retries}}" renewal-period="10" /></inbound></policies>'
    operations: [{ id: g, method: GET, urlTemplate: / }]
`);
  assert.throws(() => checkPolicies(config, { 'net.client.timeout': 5, 'net.client.connections': 1 }), (error: unknown) => {
    assert.ok(isApimgwError(error));
    const text = error.details.join('\n');
    assert.doesNotMatch(text, /s3cret/);
    assert.match(text, /\{\{retries\}\}/);
    return true;
  });
});
