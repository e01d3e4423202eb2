import type { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import tls from 'node:tls';
import type { Hostname, Snapshot } from '../config/model.ts';
import { ApimgwError } from '../errors.ts';
import type { Settings } from '../settings/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { loadCertificate, snapshotCertificateSource, type CertificateSource, type LoadedCertificate } from './certificate-files.ts';

/**
 * Which certificate the HTTPS listener serves for which SNI name, and with
 * which TLS options: the snapshot's gateway hostnames (each naming one of its
 * certificates) plus the default certificate from settings. Secure contexts
 * are built here, when a snapshot is applied or a certificate file changes —
 * never per handshake. Certificate files are polled; a file that no longer
 * loads keeps the previous certificate in service, with an error logged.
 */

export type ServerTlsSettings = Pick<Settings,
  'net.server.tls.certificate.path' | 'net.server.tls.certificate.key.path' | 'net.server.tls.certificate.password'>;

/** What a hostname asks of the handshake besides its certificate; connections are dispatched on it before TLS starts. */
export interface HandshakeProfile {
  /** Lowest protocol: TLS 1.2 unless the hostname enables 1.1 or 1.0. */
  minVersion: tls.SecureVersion;
  requestCert: boolean;
}

export interface ServedName {
  context: tls.SecureContext;
  profile: HandshakeProfile;
}

export const DEFAULT_PROFILE: HandshakeProfile = { minVersion: 'TLSv1.2', requestCert: false };

/** How often certificate files are checked for changes, and how long a burst of writes (certificate, then key) is let settle. */
const POLL_INTERVAL_MS = 1000;
const SETTLE_MS = 300;

const SETTINGS_CERTIFICATE = '(net.server.tls.certificate.path)';

function defaultCertificateSource(settings: ServerTlsSettings): CertificateSource | undefined {
  const path = settings['net.server.tls.certificate.path'];
  return path === undefined ? undefined : {
    label: 'net.server.tls.certificate.path',
    path,
    keyPath: settings['net.server.tls.certificate.key.path'],
    password: settings['net.server.tls.certificate.password'],
  };
}

/** At start, a default certificate that cannot serve is a settings error (later, a broken file keeps the previous one). */
export function checkDefaultCertificate(settings: ServerTlsSettings): void {
  const source = defaultCertificateSource(settings);
  if (!source) return;
  let loaded: LoadedCertificate;
  try {
    loaded = loadCertificate(source);
  } catch (error) {
    throw new ApimgwError('APIMGW_E_TLS_CERTIFICATE', (error as Error).message);
  }
  if ('cert' in loaded.material && !loaded.material.key) {
    throw new ApimgwError('APIMGW_E_TLS_CERTIFICATE', `${source.label}: ${source.path} holds no private key and net.server.tls.certificate.key.path is unset`);
  }
}

export class ServerCertificates {
  readonly #settings: ServerTlsSettings;
  readonly #logger: Logger;
  readonly #onDefaultChange: (material: LoadedCertificate['material'] | undefined) => void;
  #snapshot: Snapshot | undefined;
  #exact = new Map<string, ServedName>();
  /** `*.contoso.com` is kept under `contoso.com`: one label deep, as TLS wildcards are. */
  #wildcards = new Map<string, ServedName>();
  #default: LoadedCertificate | undefined;
  #authorities: X509Certificate[] = [];
  /** The last certificate that loaded, by source: what stays in service when its file breaks. */
  #lastGood = new Map<string, LoadedCertificate>();
  #watched = new Set<string>();
  #settle: NodeJS.Timeout | undefined;
  readonly #unknownLogged = new Set<string>();

  constructor(settings: ServerTlsSettings, logger: Logger, onDefaultChange: (material: LoadedCertificate['material'] | undefined) => void) {
    this.#settings = settings;
    this.#logger = logger;
    this.#onDefaultChange = onDefaultChange;
  }

  /** True when there is anything to serve over HTTPS: the HTTPS listener starts only then. */
  static configured(settings: ServerTlsSettings, snapshot: Snapshot): boolean {
    return settings['net.server.tls.certificate.path'] !== undefined || (snapshot.gateway?.hostnames.length ?? 0) > 0;
  }

  /** The trusted certificate authorities of the applied snapshot (client certificate validation). */
  get authorities(): readonly X509Certificate[] {
    return this.#authorities;
  }

  apply(snapshot: Snapshot): void {
    this.#snapshot = snapshot;
    this.#build();
  }

  /** The certificate and handshake options for an SNI name; undefined → the default certificate (if any). */
  lookup(servername: string): ServedName | undefined {
    const name = servername.toLowerCase();
    const exact = this.#exact.get(name);
    if (exact) return exact;
    const dot = name.indexOf('.');
    return dot === -1 ? undefined : this.#wildcards.get(name.slice(dot + 1));
  }

  get hasDefault(): boolean {
    return this.#default !== undefined;
  }

  /** One log line per unknown name (bounded), so a scanner cannot flood the log. */
  noCertificateFor(servername: string | undefined): void {
    const key = servername ?? '';
    if (this.#unknownLogged.has(key) || this.#unknownLogged.size >= 100) return;
    this.#unknownLogged.add(key);
    this.#logger.warn({ servername }, servername
      ? `TLS handshake refused: no certificate for "${servername}" (no gateway hostname matches and net.server.tls.certificate.path is unset)`
      : 'TLS handshake refused: the client sent no SNI name and net.server.tls.certificate.path (the default certificate) is unset');
  }

  close(): void {
    clearTimeout(this.#settle);
    for (const file of this.#watched) fs.unwatchFile(file);
    this.#watched.clear();
  }

  #build(): void {
    const snapshot = this.#snapshot!;
    const files = new Set<string>();
    const load = (key: string, source: CertificateSource): LoadedCertificate | undefined => {
      if (source.path) files.add(source.path);
      if (source.keyPath) files.add(source.keyPath);
      try {
        const loaded = loadCertificate(source);
        this.#lastGood.set(key, loaded);
        return loaded;
      } catch (error) {
        const previous = this.#lastGood.get(key);
        this.#logger.error({ certificate: source.label }, `${(error as Error).message}; ${previous ? 'the previous certificate stays in service' : 'it is not served'}`);
        return previous;
      }
    };
    const certificates = new Map(snapshot.certificates.map((c) => [c.id, c]));
    const byId = new Map<string, LoadedCertificate | undefined>();
    const loadById = (id: string) => {
      if (!byId.has(id)) {
        const certificate = certificates.get(id);
        // The key includes the definition: a changed definition must not fall back to the old one's material.
        byId.set(id, certificate ? load(`${id}\0${JSON.stringify(certificate)}`, snapshotCertificateSource(certificate)) : undefined);
      }
      return byId.get(id);
    };

    this.#authorities = (snapshot.gateway?.certificateAuthorities ?? [])
      .filter((authority) => authority.isTrusted)
      .flatMap((authority) => loadById(authority.certificateId)?.certificates.slice(0, 1) ?? []);
    const authoritiesPem = this.#authorities.map((c) => c.toString());

    const exact = new Map<string, ServedName>();
    const wildcards = new Map<string, ServedName>();
    for (const hostname of snapshot.gateway?.hostnames ?? []) {
      const loaded = loadById(hostname.certificateId);
      if (!loaded) continue;
      const served = this.#serve(hostname, loaded, authoritiesPem);
      if (!served) continue;
      const name = hostname.hostname.toLowerCase();
      if (name.startsWith('*.')) wildcards.set(name.slice(2), served);
      else exact.set(name, served);
    }
    this.#exact = exact;
    this.#wildcards = wildcards;

    const source = defaultCertificateSource(this.#settings);
    this.#default = source === undefined ? undefined : load(SETTINGS_CERTIFICATE, source);
    this.#onDefaultChange(this.#default?.material);
    this.#watch(files);
  }

  #serve(hostname: Hostname, loaded: LoadedCertificate, authoritiesPem: string[]): ServedName | undefined {
    try {
      // The CA list goes into the CertificateRequest, telling clients which certificate to pick.
      const context = tls.createSecureContext({ ...loaded.material, ca: hostname.negotiateClientCertificate && authoritiesPem.length > 0 ? authoritiesPem : undefined });
      const minVersion: tls.SecureVersion = hostname.tls10Enabled ? 'TLSv1' : hostname.tls11Enabled ? 'TLSv1.1' : 'TLSv1.2';
      return { context, profile: { minVersion, requestCert: hostname.negotiateClientCertificate } };
    } catch (error) {
      this.#logger.error({ hostname: hostname.hostname }, `hostname ${hostname.hostname}: ${(error as Error).message}; it is not served`);
      return undefined;
    }
  }

  #watch(files: Set<string>): void {
    for (const file of this.#watched) {
      if (!files.has(file)) fs.unwatchFile(file);
    }
    for (const file of files) {
      if (this.#watched.has(file)) continue;
      fs.watchFile(file, { interval: POLL_INTERVAL_MS, persistent: false }, (current, previous) => {
        if (current.mtimeMs === previous.mtimeMs && current.size === previous.size && current.ino === previous.ino) return;
        clearTimeout(this.#settle);
        this.#settle = setTimeout(() => this.#reload(file), SETTLE_MS);
      });
    }
    this.#watched = files;
  }

  #reload(file: string): void {
    this.#logger.info({ file }, 'certificate file changed; reloading TLS certificates');
    this.#build();
  }
}
