import assert from 'node:assert/strict';
import { X509Certificate as NodeCertificate, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { OutRef } from '../../../../src/policy/expression/host.ts';
import { DOTNET_EXTENSIONS } from '../../../../src/policy/expression/dotnet/index.ts';
import { BasicAuthCredentials, Jwt } from '../../../../src/policy/expression/dotnet/auth.ts';
import { IPAddress } from '../../../../src/policy/expression/dotnet/ipaddress.ts';
import { X509Certificate2, verifyChain } from '../../../../src/policy/expression/dotnet/x509.ts';

const extension = (name: string, target: unknown, ...args: unknown[]): unknown => DOTNET_EXTENSIONS[name]!.find((m) => m.appliesTo(target, args))!.invoke(target, [], args);

function signJwt(header: object, payload: object): string {
  const encode = (part: object): string => Buffer.from(JSON.stringify(part)).toString('base64url');
  const body = `${encode(header)}.${encode(payload)}`;
  return `${body}.${createHmac('sha256', 'secret').update(body).digest('base64url')}`;
}

describe('AsJwt / TryParseJwt', () => {
  const token = signJwt(
    { alg: 'HS256', typ: 'JWT' },
    { sub: 'user-1', iss: 'https://issuer', aud: ['api://a', 'api://b'], exp: 1735689600, iat: 1735686000, nbf: 1735686000, jti: 'id-1', roles: ['reader', 'writer'], admin: true },
  );

  it('decodes a token with or without the Bearer scheme', () => {
    for (const input of [token, `Bearer ${token}`]) {
      const jwt = extension('AsJwt', input) as Jwt;
      assert.equal(jwt.Subject, 'user-1');
      assert.equal(jwt.Issuer, 'https://issuer');
      assert.equal(jwt.Algorithm, 'HS256');
      assert.equal(jwt.Type, 'JWT');
      assert.equal(jwt.Id, 'id-1');
      assert.deepEqual(jwt.Audiences, ['api://a', 'api://b']);
      assert.equal(jwt.ExpirationTime!.ToString('o'), '2025-01-01T00:00:00.0000000Z');
      assert.equal(jwt.IssuedAt!.Hour, 23);
      assert.equal(jwt.NotBefore!.Year, 2024);
      assert.equal(jwt.Claims.GetValueOrDefault('roles', ''), 'reader,writer');
      assert.equal(jwt.Claims.GetValueOrDefault('admin'), 'true');
      assert.equal(jwt.Claims.GetValueOrDefault('missing', 'none'), 'none');
      assert.deepEqual(jwt.Claims.get_Item('roles'), ['reader', 'writer']);
    }
  });

  it('gives null for anything that is not a JWT', () => {
    for (const input of ['', 'Bearer', 'a.b', 'abc.def.ghi', 'Basic dXNlcjpwYXNz', `${token}.extra`]) assert.equal(extension('AsJwt', input), null);
    const out = new OutRef<Jwt | null>();
    assert.equal(extension('TryParseJwt', 'nope', out), false);
    assert.equal(out.value, null);
    assert.equal(extension('TryParseJwt', token, out), true);
    assert.equal(out.value!.Subject, 'user-1');
  });
});

describe('AsBasic / TryParseBasic', () => {
  it('decodes user and password from a Basic header value or bare base64', () => {
    const basic = extension('AsBasic', `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`) as BasicAuthCredentials;
    assert.equal(basic.UserId, 'alice');
    assert.equal(basic.Password, 'pa:ss');
    assert.equal((extension('AsBasic', Buffer.from('bob:x').toString('base64')) as BasicAuthCredentials).UserId, 'bob');
    assert.equal((extension('AsBasic', Buffer.from('nocolon').toString('base64')) as BasicAuthCredentials).Password, null);
    assert.equal(extension('AsBasic', 'Bearer abc.def.ghi'), null);
    assert.equal(extension('AsBasic', ''), null);
    const out = new OutRef<BasicAuthCredentials | null>();
    assert.equal(extension('TryParseBasic', 'Basic !!!', out), false);
  });
});

describe('IPAddress', () => {
  it('parses and prints IPv4 and IPv6 as .NET does', () => {
    assert.equal(IPAddress.Parse('10.0.0.1').ToString(), '10.0.0.1');
    assert.equal(IPAddress.Parse('10.0.0.1').AddressFamily, 'InterNetwork');
    assert.equal(IPAddress.Parse('2001:0db8:0000:0000:0000:0000:0000:0001').ToString(), '2001:db8::1');
    assert.equal(IPAddress.Parse('[::1]').ToString(), '::1');
    assert.equal(IPAddress.Parse('2001:db8:0:1:0:0:0:1').ToString(), '2001:db8:0:1::1');
    assert.equal(IPAddress.Parse('::ffff:1.2.3.4').ToString(), '::ffff:1.2.3.4');
    assert.equal(IPAddress.Parse('::ffff:1.2.3.4').MapToIPv4().ToString(), '1.2.3.4');
    assert.equal(IPAddress.Parse('fe80::1%3').ToString(), 'fe80::1%3');
    assert.throws(() => IPAddress.Parse('300.1.1.1'), /An invalid IP address was specified/);
    const out = new OutRef<IPAddress | null>();
    assert.equal(IPAddress.TryParse('nope', out), false);
    assert.equal(IPAddress.IsLoopback(IPAddress.Parse('127.0.0.2')), true);
  });
});

describe('X509Certificate2', () => {
  const pem = readFileSync(new URL('./fixtures/client.pem', import.meta.url));
  const root = new NodeCertificate(readFileSync(new URL('./fixtures/test-root.pem', import.meta.url)));
  const cert = new X509Certificate2(new Uint8Array(pem));

  it('exposes .NET-formatted names, thumbprint, serial and dates', () => {
    assert.equal(cert.Subject, 'CN=client.contoso.test, O=Contoso, C=US');
    assert.equal(cert.SubjectName.Name, cert.Subject);
    assert.equal(cert.Issuer, 'CN=Test Root, O=Apimgw Test, C=US');
    assert.equal(cert.Thumbprint, 'E287A8449D322A5E27D927DC1AAE617E998F821E');
    assert.equal(cert.SerialNumber, '1A2B3C');
    assert.equal(cert.NotAfter.Year, 2126);
    assert.equal(cert.GetNameInfo('SimpleName', false), 'client.contoso.test');
    assert.equal(new X509Certificate2(cert.RawData).Thumbprint, cert.Thumbprint);
  });

  it('verifies a chain only up to a trusted root', () => {
    assert.equal(cert.Verify(), false);
    assert.equal(cert.VerifyNoRevocation(), false);
    assert.equal(verifyChain(cert.nodeCertificate, [], Date.now(), [root]), true);
    assert.equal(verifyChain(cert.nodeCertificate, [], Date.parse('2200-01-01'), [root]), false);
  });
});
