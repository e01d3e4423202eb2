import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import type { Certificate } from '../config/model.ts';

/**
 * Reads certificates from where operators keep them: PEM files (chain and
 * key together or apart), PFX/PKCS#12 files with a password, or inline as
 * ARM carries them (`data`: Base64 PFX, Base64 DER or PEM text). The result
 * holds both what node:tls takes and the files to watch for rotation.
 */

/** The key material in the two forms node:tls and undici accept. */
export type KeyMaterial =
  | { pfx: Buffer; passphrase?: string }
  | { cert: Buffer; key?: Buffer; passphrase?: string };

export interface LoadedCertificate {
  material: KeyMaterial;
  /** The certificates in the material when readable (PEM, DER); a PFX's stay sealed. */
  certificates: X509Certificate[];
  /** Files it was read from, for rotation. */
  files: string[];
}

export interface CertificateSource {
  /** Shown in log lines and errors (never the password). */
  label: string;
  path?: string;
  keyPath?: string;
  data?: string;
  password?: string;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

function pemCertificates(text: string): X509Certificate[] {
  return (text.match(PEM_CERTIFICATE) ?? []).map((pem) => new X509Certificate(pem));
}

function isPfxFile(file: string): boolean {
  return /\.(pfx|p12)$/i.test(file);
}

/** Reads the certificate and proves it usable (key matches, password right) by building a context from it; throws a one-line reason. */
export function loadCertificate(source: CertificateSource): LoadedCertificate {
  const loaded = read(source);
  try {
    tls.createSecureContext(loaded.material);
  } catch (error) {
    throw new Error(`${source.label}: ${reasonOf(error)}`);
  }
  return loaded;
}

function read(source: CertificateSource): LoadedCertificate {
  const passphrase = source.password || undefined;
  const readFile = (file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (error) {
      throw new Error(`${source.label}: cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  };
  if (source.path !== undefined) {
    const file = path.resolve(source.path);
    const bytes = readFile(file);
    if (isPfxFile(file)) return { material: { pfx: bytes, passphrase }, certificates: [], files: [file] };
    const text = bytes.toString('utf8');
    const certificates = pemCertificates(text);
    if (certificates.length === 0) throw new Error(`${source.label}: ${file} holds no PEM certificate (a PFX file must end in .pfx or .p12)`);
    if (source.keyPath === undefined) {
      return { material: { cert: bytes, key: text.includes('PRIVATE KEY-----') ? bytes : undefined, passphrase }, certificates, files: [file] };
    }
    const keyFile = path.resolve(source.keyPath);
    return { material: { cert: bytes, key: readFile(keyFile), passphrase }, certificates, files: [file, keyFile] };
  }
  const data = source.data ?? '';
  if (data.includes('-----BEGIN')) {
    const bytes = Buffer.from(data);
    return { material: { cert: bytes, key: data.includes('PRIVATE KEY-----') ? bytes : undefined, passphrase }, certificates: pemCertificates(data), files: [] };
  }
  const bytes = Buffer.from(data, 'base64');
  try {
    // A bare DER certificate (a CA's .cer, as ARM takes it): public only.
    const der = new X509Certificate(bytes);
    return { material: { cert: Buffer.from(der.toString()) }, certificates: [der], files: [] };
  } catch {
    return { material: { pfx: bytes, passphrase }, certificates: [], files: [] };
  }
}

/** OpenSSL's reasons are long and cryptic; the common ones get words an operator can act on. */
function reasonOf(error: unknown): string {
  const message = (error as Error).message ?? String(error);
  if (/mac verify failure|bad decrypt|BAD_DECRYPT|wrong password/i.test(message)) return 'wrong password';
  if (/key values mismatch|KEY_VALUES_MISMATCH/i.test(message)) return 'the private key does not belong to the certificate';
  if (/no start line|NO_START_LINE|unsupported/i.test(message)) return 'not a PEM or PFX certificate';
  return message;
}

/** The certificate sources of a snapshot's `certificates`, by id. */
export function snapshotCertificateSource(certificate: Certificate): CertificateSource {
  return { label: `certificate "${certificate.id}"`, path: certificate.path, keyPath: certificate.keyPath, data: certificate.data, password: certificate.password };
}
