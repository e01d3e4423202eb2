import { createHash, createHmac, randomBytes, randomInt, type Hash, type Hmac } from 'node:crypto';
import { DotNetException } from '../../host.ts';

/**
 * System.Security.Cryptography hashes and HMACs over node:crypto:
 * `SHA256.Create().ComputeHash(bytes)`, `new SHA256Managed()`,
 * `new HMACSHA256(key)` / `new HMACSHA256 { Key = … }`, incremental
 * TransformBlock/TransformFinalBlock, and the .NET 5+ static `HashData`.
 */

export function asBytes(value: unknown, parameter = 'buffer'): Uint8Array {
  if (value === null || value === undefined) throw new DotNetException('ArgumentNullException', `Value cannot be null. (Parameter '${parameter}')`);
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return Uint8Array.from(value as number[]);
  throw new DotNetException('ArgumentException', `Expected byte[] for parameter '${parameter}'.`);
}

function slice(buffer: unknown, offset?: number, count?: number): Uint8Array {
  const bytes = asBytes(buffer);
  if (offset === undefined) return bytes;
  return bytes.subarray(offset, offset + (count ?? bytes.length - offset));
}

export abstract class HashAlgorithm {
  /** node:crypto's name for the digest. */
  protected abstract readonly digest: string;
  #pending: Hash | Hmac | null = null;
  #hash: Uint8Array | null = null;

  get HashSize(): number {
    return DIGEST_BITS[this.digest]!;
  }

  /** The value of the last completed hash. */
  get Hash(): Uint8Array {
    if (!this.#hash) throw new DotNetException('CryptographicUnexpectedOperationException', 'Hash must be finalized before the hash value is retrieved.');
    return this.#hash;
  }

  ComputeHash(buffer: unknown, offset?: number, count?: number): Uint8Array {
    const hash = this.start();
    hash.update(slice(buffer, offset, count));
    this.#hash = new Uint8Array(hash.digest());
    return this.#hash;
  }

  TransformBlock(input: unknown, offset: number, count: number, output?: Uint8Array | null, outputOffset = 0): number {
    const block = slice(input, offset, count);
    (this.#pending ??= this.start()).update(block);
    if (output) output.set(block, outputOffset);
    return count;
  }

  TransformFinalBlock(input: unknown, offset: number, count: number): Uint8Array {
    const block = slice(input, offset, count);
    const pending = this.#pending ?? this.start();
    pending.update(block);
    this.#hash = new Uint8Array(pending.digest());
    this.#pending = null;
    return block.slice();
  }

  Initialize(): void {
    this.#pending = null;
  }

  Clear(): void {
    this.Dispose();
  }

  Dispose(): void {
    this.#pending = null;
  }

  protected start(): Hash | Hmac {
    return createHash(this.digest);
  }
}

const DIGEST_BITS: Readonly<Record<string, number>> = { md5: 128, sha1: 160, sha256: 256, sha384: 384, sha512: 512 };

function hashData(digest: string): (source: unknown) => Uint8Array {
  return (source) => new Uint8Array(createHash(digest).update(asBytes(source, 'source')).digest());
}

export class MD5 extends HashAlgorithm {
  protected readonly digest: string = 'md5';
  static Create(): MD5 {
    return new MD5();
  }
  static HashData = hashData('md5');
}

export class SHA1 extends HashAlgorithm {
  protected readonly digest: string = 'sha1';
  static Create(): SHA1 {
    return new SHA1();
  }
  static HashData = hashData('sha1');
}

export class SHA256 extends HashAlgorithm {
  protected readonly digest: string = 'sha256';
  static Create(): SHA256 {
    return new SHA256();
  }
  static HashData = hashData('sha256');
}

export class SHA384 extends HashAlgorithm {
  protected readonly digest: string = 'sha384';
  static Create(): SHA384 {
    return new SHA384();
  }
  static HashData = hashData('sha384');
}

export class SHA512 extends HashAlgorithm {
  protected readonly digest: string = 'sha512';
  static Create(): SHA512 {
    return new SHA512();
  }
  static HashData = hashData('sha512');
}

export class SHA1Managed extends SHA1 {}
export class SHA256Managed extends SHA256 {}
export class SHA384Managed extends SHA384 {}
export class SHA512Managed extends SHA512 {}

export abstract class KeyedHashAlgorithm extends HashAlgorithm {
  #key: Uint8Array;

  constructor(key: Uint8Array) {
    super();
    this.#key = key;
  }

  get Key(): Uint8Array {
    return this.#key.slice();
  }

  set Key(value: unknown) {
    this.#key = asBytes(value, 'value').slice();
  }

  protected override start(): Hmac {
    return createHmac(this.digest, this.#key);
  }
}

/** HMAC base: without a key the constructor draws a random one of the digest's block size, as .NET does. */
export abstract class HMAC extends KeyedHashAlgorithm {
  get HashName(): string {
    return this.digest === 'md5' ? 'MD5' : this.digest.toUpperCase();
  }
}

function hmacClass(digest: string, blockSize: number) {
  return class extends HMAC {
    protected readonly digest: string = digest;
    constructor(key?: unknown) {
      super(key === undefined ? new Uint8Array(randomBytes(blockSize)) : asBytes(key, 'key').slice());
    }
    static HashData(key: unknown, source: unknown): Uint8Array {
      return new Uint8Array(createHmac(digest, asBytes(key, 'key')).update(asBytes(source, 'source')).digest());
    }
  };
}

export class HMACMD5 extends hmacClass('md5', 64) {}
export class HMACSHA1 extends hmacClass('sha1', 64) {}
export class HMACSHA256 extends hmacClass('sha256', 64) {}
export class HMACSHA384 extends hmacClass('sha384', 128) {}
export class HMACSHA512 extends hmacClass('sha512', 128) {}

/** HashAlgorithmName: `HashAlgorithmName.SHA256.Name`. */
export class HashAlgorithmName {
  readonly Name: string;
  constructor(name: string) {
    this.Name = name;
  }
  ToString(): string {
    return this.Name;
  }
  static readonly MD5 = new HashAlgorithmName('MD5');
  static readonly SHA1 = new HashAlgorithmName('SHA1');
  static readonly SHA256 = new HashAlgorithmName('SHA256');
  static readonly SHA384 = new HashAlgorithmName('SHA384');
  static readonly SHA512 = new HashAlgorithmName('SHA512');
}

/** RandomNumberGenerator and RNGCryptoServiceProvider: `GetBytes(buffer)` fills the array in place (or an OutRef's array). */
export class RandomNumberGenerator {
  static Create(): RandomNumberGenerator {
    return new RandomNumberGenerator();
  }

  /** Instance `GetBytes(byte[])` fills; static `RandomNumberGenerator.GetBytes(count)` returns new bytes. */
  GetBytes(data: unknown, offset?: number, count?: number): void {
    const target = data instanceof Uint8Array ? data : asBytes((data as { value?: unknown })?.value, 'data');
    const start = offset ?? 0;
    target.set(randomBytes(count ?? target.length - start), start);
  }

  GetNonZeroBytes(data: unknown): void {
    const target = data instanceof Uint8Array ? data : asBytes((data as { value?: unknown })?.value, 'data');
    for (let i = 0; i < target.length; i++) target[i] = randomInt(1, 256);
  }

  Dispose(): void {}

  static GetBytes(count: number): Uint8Array {
    return new Uint8Array(randomBytes(count));
  }

  static GetInt32(fromOrMax: number, toExclusive?: number): number {
    return toExclusive === undefined ? randomInt(0, fromOrMax) : randomInt(fromOrMax, toExclusive);
  }

  static Fill(data: Uint8Array): void {
    data.set(randomBytes(data.length));
  }
}

export class RNGCryptoServiceProvider extends RandomNumberGenerator {}
