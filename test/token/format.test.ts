import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import {
  createToken, daysLeft, formatExpiry, MAX_TOKEN_LIFETIME_MS, parseExpiry, parseToken, redactToken, TokenFormatError, verifyToken,
} from '../../src/token/format.ts';

const NOW = new Date('2025-03-10T12:00:00Z');
const PRIMARY = 'cHJpbWFyeS1rZXktYnl0ZXMtZm9yLXRlc3Rz==';
const SECONDARY = 'secondary raw key';
const KEYS = { primary: PRIMARY, secondary: SECONDARY };
const inDays = (days: number) => new Date(NOW.getTime() + days * 24 * 60 * 60 * 1000);

describe('gateway token format', () => {
  it('signs gatewayId + "\\n" + the yyyyMMddHHmm field with HMAC-SHA512 over the key text', () => {
    const token = createToken('gw1', PRIMARY, new Date('2025-03-20T08:15:59Z'), NOW);
    const expected = createHmac('sha512', Buffer.from(PRIMARY, 'utf8')).update('gw1\n202503200815').digest('base64');
    assert.equal(token, `GatewayKey gw1&202503200815&${expected}`);
  });

  it('round-trips with and without the GatewayKey prefix', () => {
    const token = createToken('west-eu', SECONDARY, inDays(7), NOW);
    const bare = token.slice('GatewayKey '.length);
    for (const text of [token, bare, `  ${token}\n`]) {
      const parsed = parseToken(text);
      assert.equal(parsed.gatewayId, 'west-eu');
      assert.equal(parsed.expiry.toISOString(), '2025-03-17T12:00:00.000Z');
      assert.deepEqual(verifyToken(text, 'west-eu', KEYS, NOW), { ok: true, keyType: 'secondary', token: parsed });
    }
  });

  it('reports which key signed', () => {
    for (const keyType of ['primary', 'secondary'] as const) {
      const result = verifyToken(createToken('gw', KEYS[keyType], inDays(1), NOW), 'gw', KEYS, NOW);
      assert.equal(result.ok && result.keyType, keyType);
    }
  });

  it('detects tampering with any part', () => {
    const token = createToken('gw1', PRIMARY, inDays(5), NOW);
    const [gateway, expiry, signature] = token.slice('GatewayKey '.length).split('&') as [string, string, string];
    const flipped = (signature[0] === 'A' ? 'B' : 'A') + signature.slice(1);
    const tampered = [
      `${gateway}&${expiry}&${flipped}`,
      `${gateway}&${formatExpiry(inDays(6))}&${signature}`,
      `gw2&${expiry}&${signature}`,
    ];
    for (const text of tampered) {
      const result = verifyToken(text, text.startsWith('gw2') ? 'gw2' : 'gw1', KEYS, NOW);
      assert.equal(result.ok, false, text);
      assert.equal(!result.ok && result.code, 'InvalidToken');
    }
  });

  it('rejects a wrong key, a regenerated key, and a token for another gateway', () => {
    const token = createToken('gw1', PRIMARY, inDays(5), NOW);
    const wrongKey = verifyToken(token, 'gw1', { primary: 'other', secondary: SECONDARY }, NOW);
    assert.deepEqual(wrongKey.ok ? undefined : wrongKey.code, 'InvalidToken');
    const otherGateway = verifyToken(token, 'gw2', KEYS, NOW);
    assert.match(otherGateway.ok ? '' : otherGateway.reason, /for gateway "gw1", not "gw2"/);
    assert.equal(verifyToken(token, 'gw1', {}, NOW).ok, false);
  });

  it('expires exactly at the expiry minute', () => {
    const token = createToken('gw1', PRIMARY, inDays(2), NOW);
    const expiry = inDays(2);
    assert.equal(verifyToken(token, 'gw1', KEYS, new Date(expiry.getTime() - 1)).ok, true);
    for (const at of [expiry, new Date(expiry.getTime() + 1)]) {
      const result = verifyToken(token, 'gw1', KEYS, at);
      assert.deepEqual(result.ok ? undefined : result.code, 'TokenExpired');
    }
  });

  it('an expired token signed with the wrong key is InvalidToken, not TokenExpired', () => {
    const token = createToken('gw1', 'wrong', inDays(1), NOW);
    const result = verifyToken(token, 'gw1', KEYS, inDays(3));
    assert.deepEqual(result.ok ? undefined : result.code, 'InvalidToken');
  });

  it('enforces the 30-day maximum at creation and verification', () => {
    assert.ok(createToken('gw1', PRIMARY, new Date(NOW.getTime() + MAX_TOKEN_LIFETIME_MS), NOW));
    assert.throws(() => createToken('gw1', PRIMARY, new Date(NOW.getTime() + MAX_TOKEN_LIFETIME_MS + 60_000), NOW), /more than 30 days/);
    assert.throws(() => createToken('gw1', PRIMARY, NOW, NOW), /not in the future/);
    assert.throws(() => createToken('gw1', PRIMARY, new Date(NOW.getTime() + 30_000), NOW), /not in the future/, 'rounded down to the minute');
    // A key holder signing by hand can write any expiry: the verifier refuses a far one.
    const far = `gw1&${formatExpiry(inDays(60))}&${createHmac('sha512', PRIMARY).update(`gw1\n${formatExpiry(inDays(60))}`).digest('base64')}`;
    const result = verifyToken(far, 'gw1', KEYS, NOW);
    assert.match(result.ok ? '' : result.reason, /more than 30 days/);
  });

  it('refuses bad gateway ids and empty keys at creation', () => {
    assert.throws(() => createToken('a&b', PRIMARY, inDays(1), NOW), RangeError);
    assert.throws(() => createToken('', PRIMARY, inDays(1), NOW), RangeError);
    assert.throws(() => createToken('gw', '', inDays(1), NOW), /key is empty/);
  });

  it('explains malformed tokens without echoing the signature', () => {
    const signature = createToken('gw1', PRIMARY, inDays(1), NOW).split('&')[2] as string;
    const cases: [string, RegExp][] = [
      ['', /empty/],
      ['Bearer abc', /starts with "Bearer"/],
      ['gw1&202503200815', /3 parts.*has 2/],
      [`gw1&2025032008&${signature}`, /not yyyyMMddHHmm/],
      [`gw1&202502300815&${signature}`, /not a real date/],
      [`gw1&202503200815&${signature.slice(0, 40)}`, /not a base64 HMAC-SHA512/],
      [`&202503200815&${signature}`, /gateway id/],
    ];
    for (const [text, message] of cases) {
      assert.throws(() => parseToken(text), (error: unknown) => {
        assert.ok(error instanceof TokenFormatError);
        assert.match(error.message, message);
        assert.ok(!error.message.includes(signature.slice(0, 12)));
        return true;
      });
      const result = verifyToken(text, 'gw1', KEYS, NOW);
      assert.deepEqual(result.ok ? undefined : result.code, 'InvalidToken');
    }
  });

  it('parses and formats the expiry field', () => {
    assert.equal(parseExpiry('202412312359').toISOString(), '2024-12-31T23:59:00.000Z');
    assert.equal(formatExpiry(new Date('2024-02-29T00:05:30Z')), '202402290005');
  });

  it('counts days left and redacts', () => {
    const token = parseToken(createToken('gw1', PRIMARY, inDays(3), NOW));
    assert.equal(daysLeft(token.expiry, NOW), 3);
    assert.equal(daysLeft(token.expiry, inDays(4)), -1);
    assert.equal(redactToken(token), `GatewayKey gw1&${token.expiryText}&${token.signature.slice(0, 4)}…`);
  });
});
