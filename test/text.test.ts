import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closest, jsonSyntaxReason } from '../src/text.ts';

const reason = (text: string) => {
  try {
    JSON.parse(text);
  } catch (error) {
    return jsonSyntaxReason(error);
  }
  return 'parsed';
};

test('JSON syntax errors keep their position and never quote the text, which may hold keys', () => {
  assert.equal(reason('{"primary":SECRETKEYVALUE}'), 'invalid JSON');
  assert.equal(reason('{"a":1 "b"'), 'invalid JSON at position 7 (line 1 column 8)');
  assert.equal(reason('{"a":1'), 'invalid JSON at position 6 (line 1 column 7)');
  assert.equal(reason(''), 'unexpected end of JSON input');
});

test('closest suggests a near name, or nothing', () => {
  assert.equal(closest('set-headr', ['set-header', 'set-body']), 'set-header');
  assert.equal(closest('zzzzzz', ['set-header']), undefined);
});
