import { createCipheriv, createDecipheriv, getCiphers, randomBytes } from 'node:crypto';
import { DotNetException } from '../../host.ts';
import type { ExtensionMethod } from '../index.ts';
import { asBytes } from './hash.ts';

/**
 * SymmetricAlgorithm (Aes, Rijndael, TripleDES) over node:crypto, and APIM's
 * `byte[].Encrypt(…)` / `Decrypt(…)` extensions: `Encrypt("Aes", key, iv)`,
 * `Encrypt(alg)`, `Encrypt(alg, key, iv)` — CBC with PKCS7 padding unless
 * the algorithm object says otherwise.
 */

export const CipherMode = { CBC: 'CBC', ECB: 'ECB', OFB: 'OFB', CFB: 'CFB', CTS: 'CTS' } as const;
export const PaddingMode = { None: 'None', PKCS7: 'PKCS7', Zeros: 'Zeros', ANSIX923: 'ANSIX923', ISO10126: 'ISO10126' } as const;

type Family = 'aes' | 'des-ede3';

function enumName(value: unknown): string {
  return typeof value === 'object' && value !== null && 'name' in value ? String((value as { name: unknown }).name) : String(value);
}

export abstract class SymmetricAlgorithm {
  protected abstract readonly family: Family;
  protected abstract readonly legalKeyBytes: readonly number[];
  #key: Uint8Array | null = null;
  #iv: Uint8Array | null = null;
  Mode: string = CipherMode.CBC;
  Padding: string = PaddingMode.PKCS7;
  /** CFB feedback in bits; .NET's Aes defaults to CFB8. */
  FeedbackSize = 8;

  get BlockSize(): number {
    return this.family === 'aes' ? 128 : 64;
  }

  get KeySize(): number {
    return this.Key.length * 8;
  }

  set KeySize(bits: number) {
    if (!this.legalKeyBytes.includes(bits / 8)) throw new DotNetException('CryptographicException', 'Specified key is not a valid size for this algorithm.');
    this.#key = new Uint8Array(randomBytes(bits / 8));
  }

  get Key(): Uint8Array {
    this.#key ??= new Uint8Array(randomBytes(this.legalKeyBytes.at(-1)!));
    return this.#key;
  }

  set Key(value: unknown) {
    this.#key = this.checkKey(asBytes(value, 'value')).slice();
  }

  get IV(): Uint8Array {
    this.#iv ??= new Uint8Array(randomBytes(this.BlockSize / 8));
    return this.#iv;
  }

  set IV(value: unknown) {
    this.#iv = this.checkIV(asBytes(value, 'value')).slice();
  }

  GenerateKey(): void {
    this.#key = new Uint8Array(randomBytes(this.legalKeyBytes.at(-1)!));
  }

  GenerateIV(): void {
    this.#iv = new Uint8Array(randomBytes(this.BlockSize / 8));
  }

  CreateEncryptor(key?: unknown, iv?: unknown): CryptoTransform {
    return new CryptoTransform(this.settings(key, iv), true);
  }

  CreateDecryptor(key?: unknown, iv?: unknown): CryptoTransform {
    return new CryptoTransform(this.settings(key, iv), false);
  }

  EncryptCbc(plaintext: unknown, iv: unknown, padding: unknown = PaddingMode.PKCS7): Uint8Array {
    return transform({ ...this.settings(undefined, iv), mode: 'CBC', padding: enumName(padding) }, asBytes(plaintext, 'plaintext'), true);
  }

  DecryptCbc(ciphertext: unknown, iv: unknown, padding: unknown = PaddingMode.PKCS7): Uint8Array {
    return transform({ ...this.settings(undefined, iv), mode: 'CBC', padding: enumName(padding) }, asBytes(ciphertext, 'ciphertext'), false);
  }

  Dispose(): void {}

  Clear(): void {}

  private checkKey(key: Uint8Array): Uint8Array {
    if (!this.legalKeyBytes.includes(key.length)) throw new DotNetException('CryptographicException', 'Specified key is not a valid size for this algorithm.');
    return key;
  }

  private checkIV(iv: Uint8Array): Uint8Array {
    if (iv.length !== this.BlockSize / 8) throw new DotNetException('CryptographicException', 'Specified initialization vector (IV) does not match the block size for this algorithm.');
    return iv;
  }

  /** The cipher parameters, validating explicit key and IV lengths. */
  settings(key?: unknown, iv?: unknown): CipherSettings {
    return {
      family: this.family,
      key: key !== undefined && key !== null ? this.checkKey(asBytes(key, 'key')) : this.Key,
      iv: iv !== undefined && iv !== null ? this.checkIV(asBytes(iv, 'iv')) : this.IV,
      mode: enumName(this.Mode),
      padding: enumName(this.Padding),
      feedbackBits: this.FeedbackSize,
      blockBytes: this.BlockSize / 8,
    };
  }
}

interface CipherSettings {
  family: Family;
  key: Uint8Array;
  iv: Uint8Array;
  mode: string;
  padding: string;
  feedbackBits: number;
  blockBytes: number;
}

/** ICryptoTransform: only the one-shot TransformFinalBlock. */
export class CryptoTransform {
  readonly #settings: CipherSettings;
  readonly #encrypt: boolean;
  constructor(settings: CipherSettings, encrypt: boolean) {
    this.#settings = settings;
    this.#encrypt = encrypt;
  }

  TransformFinalBlock(input: unknown, offset: number, count: number): Uint8Array {
    return transform(this.#settings, asBytes(input, 'inputBuffer').subarray(offset, offset + count), this.#encrypt);
  }

  Dispose(): void {}
}

const AVAILABLE = new Set(getCiphers());

function cipherName(s: CipherSettings): string {
  const suffix = s.mode === 'CFB' ? (s.feedbackBits === 8 ? 'cfb8' : 'cfb') : s.mode.toLowerCase();
  const name = s.family === 'aes' ? `aes-${s.key.length * 8}-${suffix}` : s.mode === 'CBC' ? 'des-ede3-cbc' : `des-ede3-${suffix}`;
  if (!AVAILABLE.has(name) || !['CBC', 'ECB', 'CFB'].includes(s.mode)) {
    throw new DotNetException('CryptographicException', `Specified cipher mode is not valid for this algorithm.`);
  }
  return name;
}

function transform(s: CipherSettings, input: Uint8Array, encrypt: boolean): Uint8Array {
  const name = cipherName(s);
  const iv = s.mode === 'ECB' ? null : s.iv;
  const streamMode = s.mode === 'CFB';
  try {
    if (encrypt) {
      const cipher = createCipheriv(name, s.key, iv);
      cipher.setAutoPadding(false);
      const padded = streamMode ? input : pad(input, s.padding, s.blockBytes);
      return new Uint8Array(Buffer.concat([cipher.update(padded), cipher.final()]));
    }
    const decipher = createDecipheriv(name, s.key, iv);
    decipher.setAutoPadding(false);
    if (!streamMode && input.length % s.blockBytes !== 0) throw new DotNetException('CryptographicException', 'The input data is not a complete block.');
    const plain = new Uint8Array(Buffer.concat([decipher.update(input), decipher.final()]));
    return streamMode ? plain : unpad(plain, s.padding);
  } catch (error) {
    if (error instanceof DotNetException) throw error;
    throw new DotNetException('CryptographicException', (error as Error).message);
  }
}

function pad(input: Uint8Array, padding: string, block: number): Uint8Array {
  if (padding === 'None') {
    if (input.length % block !== 0) throw new DotNetException('CryptographicException', 'The input data is not a complete block.');
    return input;
  }
  const count = padding === 'Zeros' && input.length % block === 0 ? 0 : block - (input.length % block);
  const out = new Uint8Array(input.length + count);
  out.set(input);
  if (padding === 'PKCS7') out.fill(count, input.length);
  else if (padding === 'ANSIX923') out[out.length - 1] = count;
  else if (padding === 'ISO10126') {
    out.set(randomBytes(count - 1), input.length);
    out[out.length - 1] = count;
  }
  return out;
}

function unpad(plain: Uint8Array, padding: string): Uint8Array {
  if (padding === 'None' || padding === 'Zeros') return plain;
  const count = plain[plain.length - 1] ?? 0;
  const valid = count > 0 && count <= plain.length && (padding !== 'PKCS7' || plain.subarray(plain.length - count).every((b) => b === count));
  if (!valid) throw new DotNetException('CryptographicException', 'Padding is invalid and cannot be removed.');
  return plain.subarray(0, plain.length - count);
}

export class Aes extends SymmetricAlgorithm {
  protected readonly family: Family = 'aes';
  protected readonly legalKeyBytes: readonly number[] = [16, 24, 32];
  static Create(): Aes {
    return new Aes();
  }
}

export class AesManaged extends Aes {}

/** Rijndael with its default 128-bit block is AES. */
export class Rijndael extends Aes {
  static override Create(): Rijndael {
    return new Rijndael();
  }
}

export class RijndaelManaged extends Rijndael {}

export class TripleDES extends SymmetricAlgorithm {
  protected readonly family: Family = 'des-ede3';
  protected readonly legalKeyBytes: readonly number[] = [24];
  static Create(): TripleDES {
    return new TripleDES();
  }
}

const ALGORITHMS: Readonly<Record<string, () => SymmetricAlgorithm>> = {
  aes: () => new Aes(),
  'system.security.cryptography.aes': () => new Aes(),
  aesmanaged: () => new Aes(),
  rijndael: () => new Rijndael(),
  'system.security.cryptography.rijndael': () => new Rijndael(),
  rijndaelmanaged: () => new Rijndael(),
  tripledes: () => new TripleDES(),
  '3des': () => new TripleDES(),
  'triple des': () => new TripleDES(),
};

/** SymmetricAlgorithm.Create(name), which the string overloads of Encrypt/Decrypt use. */
export function createSymmetricAlgorithm(name: string): SymmetricAlgorithm {
  const factory = ALGORITHMS[name.toLowerCase()];
  if (!factory) throw new DotNetException('ArgumentException', `Requested algorithm '${name}' is not supported.`);
  return factory();
}
Object.assign(SymmetricAlgorithm, { Create: createSymmetricAlgorithm });

function run(encrypt: boolean): ExtensionMethod['invoke'] {
  return (target, _typeArguments, args) => {
    const [algorithm, key, iv] = args;
    const alg = typeof algorithm === 'string' ? createSymmetricAlgorithm(algorithm) : algorithm;
    if (!(alg instanceof SymmetricAlgorithm)) throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'alg')");
    const settings = alg.settings(key, iv);
    return transform(settings, asBytes(target, 'input'), encrypt);
  };
}

export const SYMMETRIC_EXTENSIONS: Record<string, readonly ExtensionMethod[]> = {
  Encrypt: [{ appliesTo: (target) => target instanceof Uint8Array, invoke: run(true) }],
  Decrypt: [{ appliesTo: (target) => target instanceof Uint8Array, invoke: run(false) }],
};
