import { it } from 'node:test';
import assert from 'node:assert/strict';
import { formatTimeSpan } from '../../src/state/time-span.ts';

it('prints seconds as .NET TimeSpan does: hh:mm:ss, d.hh:mm:ss from a day on', () => {
  assert.equal(formatTimeSpan(504), '00:08:24'); // observed on APIM
  assert.equal(formatTimeSpan(0), '00:00:00');
  assert.equal(formatTimeSpan(59.2), '00:01:00');
  assert.equal(formatTimeSpan(3600), '01:00:00');
  assert.equal(formatTimeSpan(86_399), '23:59:59');
  assert.equal(formatTimeSpan(86_400), '1.00:00:00');
  assert.equal(formatTimeSpan(30 * 86_400 + 3 * 3600 + 4 * 60 + 5), '30.03:04:05');
  assert.equal(formatTimeSpan(-5), '00:00:00');
});
