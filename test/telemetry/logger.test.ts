import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTextLine } from '../../src/telemetry/logger.ts';

test('text format: time, level, message, then key=value pairs', () => {
  const line = formatTextLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 2, 3, 4, 5), pid: 7, msg: 'port busy', port: 8080, detail: 'two words' }));
  assert.equal(line, '2026-01-02T03:04:05.000Z WARN  port busy port=8080 detail="two words"\n');
});

test('text format passes through what is not JSON', () => {
  assert.equal(formatTextLine('plain'), 'plain');
});
