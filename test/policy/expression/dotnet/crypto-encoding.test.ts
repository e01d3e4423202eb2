import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { describe, it } from 'node:test';
import { OutRef } from '../../../../src/policy/expression/host.ts';
import { DOTNET_EXTENSIONS, DOTNET_TYPES } from '../../../../src/policy/expression/dotnet/index.ts';
import { BitConverter, Encoding } from '../../../../src/policy/expression/dotnet/encoding.ts';
import { HMACSHA256, HMACSHA1, MD5, RNGCryptoServiceProvider, SHA1, SHA256, SHA256Managed, SHA512 } from '../../../../src/policy/expression/dotnet/crypto/hash.ts';
import { Aes } from '../../../../src/policy/expression/dotnet/crypto/symmetric.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const extension = (name: string, target: unknown, ...args: unknown[]): unknown => DOTNET_EXTENSIONS[name]!.find((m) => m.appliesTo(target, args))!.invoke(target, [], args);

describe('Encoding', () => {
  it('encodes and decodes UTF-8, ASCII, UTF-16 and UTF-32', () => {
    assert.equal(hex(Encoding.UTF8.GetBytes('é€')), 'c3a9e282ac');
    assert.equal(hex(Encoding.ASCII.GetBytes('aé')), '613f');
    assert.equal(hex(Encoding.Unicode.GetBytes('ab')), '61006200');
    assert.equal(hex(Encoding.BigEndianUnicode.GetBytes('ab')), '00610062');
    assert.equal(hex(Encoding.UTF32.GetBytes('a😀')), '6100000000f60100');
    assert.equal(Encoding.UTF32.GetString(Encoding.UTF32.GetBytes('a😀')), 'a😀');
    assert.equal(Encoding.UTF8.GetString(Uint8Array.of(0x68, 0x69, 0xff)), 'hi\ufffd');
    assert.equal(Encoding.ASCII.GetString(Uint8Array.of(0x68, 0xe9)), 'h?');
    assert.equal(Encoding.UTF8.GetString(Encoding.UTF8.GetBytes('abcdef'), 2, 3), 'cde');
    assert.equal(Encoding.UTF8.GetByteCount('é'), 2);
    assert.equal(Encoding.Default, Encoding.UTF8);
    assert.equal(Encoding.GetEncoding('utf-16'), Encoding.Unicode);
    assert.throws(() => Encoding.UTF8.GetBytes(null), /Value cannot be null. \(Parameter 's'\)/);
  });

  it('BitConverter prints dashed hex and converts integers little-endian', () => {
    assert.equal(BitConverter.ToString(Uint8Array.of(0xab, 0xcd, 0x01)), 'AB-CD-01');
    assert.equal(BitConverter.ToString(new Uint8Array(0)), '');
    assert.equal(hex(BitConverter.GetBytes(1)), '01000000');
    assert.equal(hex(BitConverter.GetBytes(true)), '01');
    assert.equal(BitConverter.ToInt32(Uint8Array.of(0xff, 0xff, 0xff, 0xff)), -1);
  });
});

describe('hashes and HMACs', () => {
  const abc = Encoding.UTF8.GetBytes('abc');

  it('matches the FIPS test vectors', () => {
    assert.equal(hex(MD5.Create().ComputeHash(abc)), '900150983cd24fb0d6963f7d28e17f72');
    assert.equal(hex(SHA1.Create().ComputeHash(abc)), 'a9993e364706816aba3e25717850c26c9cd0d89d');
    assert.equal(hex(SHA256.Create().ComputeHash(abc)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hex(new SHA256Managed().ComputeHash(abc)), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hex(SHA512.HashData(abc)).slice(0, 16), 'ddaf35a193617aba');
  });

  it('computes RFC 4231 / RFC 2202 HMACs, with the key from the constructor or the Key property', () => {
    const key = Encoding.ASCII.GetBytes('Jefe');
    const data = Encoding.ASCII.GetBytes('what do ya want for nothing?');
    assert.equal(hex(new HMACSHA256(key).ComputeHash(data)), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    const initialised = new HMACSHA256();
    initialised.Key = key;
    assert.equal(hex(initialised.ComputeHash(data)), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    assert.equal(hex(new HMACSHA1(key).ComputeHash(data)), 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    assert.equal(new HMACSHA256().Key.length, 64);
  });

  it('fills arrays with random bytes', () => {
    const buffer = new Uint8Array(32);
    new RNGCryptoServiceProvider().GetBytes(buffer);
    assert.notEqual(hex(buffer), '00'.repeat(32));
    const out = new OutRef(new Uint8Array(8));
    new RNGCryptoServiceProvider().GetBytes(out);
    assert.equal(out.value!.length, 8);
  });
});

describe('symmetric encryption', () => {
  const key = Uint8Array.from({ length: 32 }, (_, i) => i);
  const iv = Uint8Array.from({ length: 16 }, (_, i) => 255 - i);
  const plain = Encoding.UTF8.GetBytes('secret cookie value');

  it('byte[].Encrypt("Aes", key, iv) is AES-CBC with PKCS7 padding and Decrypt reverses it', () => {
    const encrypted = extension('Encrypt', plain, 'Aes', key, iv) as Uint8Array;
    const expected = createCipheriv('aes-256-cbc', key, iv);
    assert.equal(hex(encrypted), hex(Buffer.concat([expected.update(plain), expected.final()])));
    assert.equal(Encoding.UTF8.GetString(extension('Decrypt', encrypted, 'Aes', key, iv)), 'secret cookie value');
  });

  it('accepts an algorithm object and reports bad padding as a CryptographicException', () => {
    const aes = Aes.Create();
    aes.Key = key;
    aes.IV = iv;
    const encrypted = extension('Encrypt', plain, aes) as Uint8Array;
    assert.equal(Encoding.UTF8.GetString(aes.CreateDecryptor().TransformFinalBlock(encrypted, 0, encrypted.length)), 'secret cookie value');
    assert.throws(() => extension('Decrypt', encrypted, 'Aes', new Uint8Array(32), iv), /Padding is invalid and cannot be removed/);
    assert.throws(() => extension('Encrypt', plain, 'Aes', new Uint8Array(5), iv), /Specified key is not a valid size/);
  });

  it('registers the crypto types under short and qualified names', () => {
    assert.equal(DOTNET_TYPES['System.Security.Cryptography.HMACSHA256'], HMACSHA256);
    assert.equal(DOTNET_TYPES.SHA256, SHA256);
  });
});
