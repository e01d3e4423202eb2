import { X509Certificate as NodeCertificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { DotNetException } from '../host.ts';
import { DateTime, DateTimeKind } from '../runtime/datetime.ts';

/**
 * System.Security.Cryptography.X509Certificates.X509Certificate2 over
 * node:crypto's X509Certificate, for `context.Request.Certificate` and
 * `context.Deployment.Certificates`. Names print as .NET does (most specific
 * RDN first, `CN=a, O=b`). Verify() and VerifyNoRevocation() build a chain
 * to the bundled root CAs plus any extra trusted certificates and check
 * validity periods; neither checks revocation (no CRL/OCSP fetching).
 */

export const X509NameType = { SimpleName: 'SimpleName', EmailName: 'EmailName', UpnName: 'UpnName', DnsName: 'DnsName', DnsFromAlternativeName: 'DnsFromAlternativeName', UrlName: 'UrlName' } as const;
export const X509ContentType = { Unknown: 'Unknown', Cert: 'Cert', SerializedCert: 'SerializedCert', Pfx: 'Pfx', Pkcs12: 'Pkcs12' } as const;

export class X500DistinguishedName {
  readonly Name: string;
  constructor(name: string) {
    this.Name = name;
  }
  ToString(): string {
    return this.Name;
  }
}

/** node prints one `key=value` per line in encoding order; .NET joins them most specific first. */
function dotNetName(nodeName: string): string {
  return nodeName.split('\n').filter(Boolean).reverse().join(', ');
}

function attribute(nodeName: string, key: string): string | null {
  const line = nodeName.split('\n').find((l) => l.startsWith(`${key}=`));
  return line ? line.slice(key.length + 1) : null;
}

const TRUSTED_ROOTS = rootCertificates.map((pem) => new NodeCertificate(pem));

/** What a certificate is verified against beyond the bundled roots: the chain the peer sent and the gateway's trusted CAs. */
export interface CertificateTrust {
  readonly intermediates: readonly NodeCertificate[];
  readonly roots: readonly NodeCertificate[];
}

const NO_EXTRA_TRUST: CertificateTrust = { intermediates: [], roots: TRUSTED_ROOTS };

export class X509Certificate {
  readonly #cert: NodeCertificate;
  #trust: CertificateTrust = NO_EXTRA_TRUST;

  /** A client certificate received over TLS: Verify() also walks the chain the client sent and the gateway's certificate authorities. */
  static received(cert: NodeCertificate, intermediates: readonly NodeCertificate[], authorities: readonly NodeCertificate[]): X509Certificate2 {
    const received = new X509Certificate2(cert);
    received.#trust = { intermediates, roots: authorities.length === 0 ? TRUSTED_ROOTS : [...authorities, ...TRUSTED_ROOTS] };
    return received;
  }

  /** `new X509Certificate2(bytes)` with DER or PEM bytes (PFX with a password is not supported), or a PEM/base64 string. */
  constructor(data: unknown) {
    if (data instanceof X509Certificate) {
      this.#cert = data.#cert;
      return;
    }
    if (data instanceof NodeCertificate) {
      this.#cert = data;
      return;
    }
    try {
      const bytes = typeof data === 'string' ? (data.includes('-----BEGIN') ? Buffer.from(data) : Buffer.from(data, 'base64')) : Buffer.from(data as Uint8Array);
      this.#cert = new NodeCertificate(bytes);
    } catch {
      throw new DotNetException('CryptographicException', 'Cannot find the requested object.');
    }
  }

  /** The node:crypto certificate, for TLS code that needs it. */
  get nodeCertificate(): NodeCertificate {
    return this.#cert;
  }

  get Subject(): string {
    return dotNetName(this.#cert.subject);
  }

  get Issuer(): string {
    return dotNetName(this.#cert.issuer);
  }

  get SubjectName(): X500DistinguishedName {
    return new X500DistinguishedName(this.Subject);
  }

  get IssuerName(): X500DistinguishedName {
    return new X500DistinguishedName(this.Issuer);
  }

  /** Upper-case hex SHA-1 of the DER encoding. */
  get Thumbprint(): string {
    return this.#cert.fingerprint.replace(/:/g, '').toUpperCase();
  }

  get SerialNumber(): string {
    return this.#cert.serialNumber.toUpperCase();
  }

  /** Local time, which is UTC on the gateway. */
  get NotBefore(): DateTime {
    return DateTime.of(Date.parse(this.#cert.validFrom), DateTimeKind.Local);
  }

  get NotAfter(): DateTime {
    return DateTime.of(Date.parse(this.#cert.validTo), DateTimeKind.Local);
  }

  get RawData(): Uint8Array {
    return new Uint8Array(this.#cert.raw);
  }

  get HasPrivateKey(): boolean {
    return false;
  }

  get FriendlyName(): string {
    return '';
  }

  get Version(): number {
    return 3;
  }

  GetRawCertData(): Uint8Array {
    return this.RawData;
  }

  GetCertHashString(): string {
    return this.Thumbprint;
  }

  GetSerialNumberString(): string {
    return this.SerialNumber;
  }

  GetNameInfo(nameType: unknown, forIssuer: boolean): string {
    const name = forIssuer ? this.#cert.issuer : this.#cert.subject;
    const type = typeof nameType === 'object' && nameType !== null && 'name' in nameType ? String(nameType.name) : String(nameType);
    if (type === 'EmailName') return attribute(name, 'emailAddress') ?? '';
    if (type === 'DnsName' || type === 'DnsFromAlternativeName') {
      const dns = forIssuer ? null : /DNS:([^,\s]+)/.exec(this.#cert.subjectAltName ?? '')?.[1];
      return dns ?? attribute(name, 'CN') ?? '';
    }
    return attribute(name, 'CN') ?? attribute(name, 'OU') ?? attribute(name, 'O') ?? attribute(name, 'emailAddress') ?? '';
  }

  /** Chain to a trusted root, every certificate within its validity period. */
  Verify(): boolean {
    return verifyChain(this.#cert, this.#trust.intermediates, Date.now(), this.#trust.roots);
  }

  /** APIM's helper: the same chain check; revocation is never checked here. */
  VerifyNoRevocation(): boolean {
    return this.Verify();
  }

  ToString(): string {
    return `[Subject]\n  ${this.Subject}\n\n[Issuer]\n  ${this.Issuer}\n\n[Serial Number]\n  ${this.SerialNumber}\n\n[Not Before]\n  ${this.NotBefore.ToString()}\n\n[Not After]\n  ${this.NotAfter.ToString()}\n\n[Thumbprint]\n  ${this.Thumbprint}\n`;
  }

  Equals(other: unknown): boolean {
    return other instanceof X509Certificate && other.Thumbprint === this.Thumbprint;
  }
}

export class X509Certificate2 extends X509Certificate {}

function withinValidity(cert: NodeCertificate, now: number): boolean {
  return Date.parse(cert.validFrom) <= now && now <= Date.parse(cert.validTo);
}

/** Walks issuer links through `intermediates` up to a bundled root; extra roots may be passed for tests and custom CAs. */
export function verifyChain(cert: NodeCertificate, intermediates: readonly NodeCertificate[], now: number, roots: readonly NodeCertificate[] = TRUSTED_ROOTS): boolean {
  let current = cert;
  for (let depth = 0; depth < 10; depth++) {
    if (!withinValidity(current, now)) return false;
    const root = roots.find((r) => current.checkIssued(r) && current.verify(r.publicKey));
    if (root) return withinValidity(root, now);
    if (current.checkIssued(current)) return false;
    const parent = intermediates.find((c) => current.checkIssued(c) && current.verify(c.publicKey));
    if (!parent) return false;
    current = parent;
  }
  return false;
}
