import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import type tls from 'node:tls';
import type { Snapshot } from '../config/model.ts';
import type { Settings } from '../settings/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import type { KeyMaterial } from './certificate-files.ts';
import { opensslCiphers } from './cipher-suites.ts';
import { helloRecordLength, MAX_HELLO_BYTES, serverNameOf } from './client-hello.ts';
import { DEFAULT_PROFILE, ServerCertificates, type HandshakeProfile, type ServerTlsSettings } from './server-certificates.ts';

/**
 * The HTTPS data port. node:tls decides protocol versions and whether to
 * ask for a client certificate when it wraps a socket — before SNICallback
 * runs — so one https.Server cannot give each hostname its own. This
 * listener therefore reads the SNI name from the ClientHello first, then
 * hands the connection to the https.Server of that hostname's handshake
 * profile (TLS floor × client certificate: at most six, made on first use);
 * SNICallback then picks the certificate. Every profile server serves the
 * same request handler.
 */

export type HttpsSettings = ServerTlsSettings & Pick<Settings,
  'net.server.tls.ciphers.allowed-suites' | 'net.server.http.maxHeaderSize' | 'net.server.http.requestTimeout' | 'net.server.http.keepAliveTimeout'>;

/** A client that connects and never completes its ClientHello is dropped after this long. */
const HELLO_TIMEOUT_MS = 10_000;

export class HttpsListener {
  /** The listening socket; bind it with `listen` as any net.Server. */
  readonly server: net.Server;
  readonly certificates: ServerCertificates;
  readonly #settings: HttpsSettings;
  readonly #logger: Logger;
  readonly #handler: (req: IncomingMessage, res: ServerResponse) => void;
  readonly #onClientError: (error: Error, socket: net.Socket) => void;
  readonly #profiles = new Map<string, { server: https.Server; profile: HandshakeProfile }>();
  #defaultMaterial: KeyMaterial | undefined;

  constructor(settings: HttpsSettings, logger: Logger, handler: (req: IncomingMessage, res: ServerResponse) => void, onClientError: (error: Error, socket: net.Socket) => void) {
    this.#settings = settings;
    this.#logger = logger;
    this.#handler = handler;
    this.#onClientError = onClientError;
    this.certificates = new ServerCertificates(settings, logger, (material) => {
      this.#defaultMaterial = material;
      for (const { server, profile } of this.#profiles.values()) server.setSecureContext(this.#contextOptions(profile));
    });
    this.server = net.createServer({ noDelay: true }, (socket) => this.#accept(socket));
  }

  apply(snapshot: Snapshot): void {
    this.certificates.apply(snapshot);
  }

  closeIdleConnections(): void {
    for (const { server } of this.#profiles.values()) server.closeIdleConnections();
  }

  closeAllConnections(): void {
    for (const { server } of this.#profiles.values()) server.closeAllConnections();
  }

  /** Stops accepting; resolves once the listening socket is closed. */
  close(): Promise<void> {
    this.certificates.close();
    // Profile servers never listened: close() only stops their timers (and reports "not running", which is expected).
    for (const { server } of this.#profiles.values()) server.close(() => {});
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }

  #accept(socket: net.Socket): void {
    let buffered: Buffer | undefined;
    const timer = setTimeout(() => socket.destroy(), HELLO_TIMEOUT_MS);
    const stop = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', stop);
    };
    const onError = () => {
      stop();
      socket.destroy();
    };
    const onData = (chunk: Buffer) => {
      buffered = buffered === undefined ? chunk : Buffer.concat([buffered, chunk]);
      const needed = helloRecordLength(buffered);
      if (needed !== -1 && buffered.length < Math.min(needed, MAX_HELLO_BYTES)) return;
      stop();
      socket.pause();
      socket.unshift(buffered);
      this.#dispatch(socket, needed === -1 ? undefined : serverNameOf(buffered));
    };
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', stop);
  }

  #dispatch(socket: net.Socket, servername: string | undefined): void {
    const served = servername === undefined ? undefined : this.certificates.lookup(servername);
    if (!served && !this.certificates.hasDefault) this.certificates.noCertificateFor(servername);
    this.#profileServer(served?.profile ?? DEFAULT_PROFILE).emit('connection', socket);
  }

  #profileServer(profile: HandshakeProfile): https.Server {
    const key = `${profile.minVersion}|${profile.requestCert}`;
    const existing = this.#profiles.get(key);
    if (existing) return existing.server;
    const server = https.createServer({
      ...this.#contextOptions(profile),
      maxHeaderSize: this.#settings['net.server.http.maxHeaderSize'],
      requestTimeout: this.#settings['net.server.http.requestTimeout'] * 1000,
      keepAliveTimeout: this.#settings['net.server.http.keepAliveTimeout'] * 1000,
      requestCert: profile.requestCert,
      // The certificate is for policies to judge (context.Request.Certificate, validate-client-certificate), as in APIM.
      rejectUnauthorized: false,
      SNICallback: (servername, done) => this.#sni(servername, done),
    }, this.#handler);
    server.on('clientError', this.#onClientError);
    server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: tls.TLSSocket) => {
      this.#logger.debug({ code: error.code, remote: socket.remoteAddress, reason: error.message }, 'TLS handshake failed');
    });
    // http.Server starts tracking connections (request timeouts, closeIdleConnections) on 'listening'.
    // This one never listens itself — connections are handed to it — so it is told once here.
    server.emit('listening');
    this.#profiles.set(key, { server, profile });
    return server;
  }

  #contextOptions(profile: HandshakeProfile): tls.SecureContextOptions {
    const legacy = profile.minVersion !== 'TLSv1.2';
    return {
      ...this.#defaultMaterial,
      ciphers: opensslCiphers(this.#settings['net.server.tls.ciphers.allowed-suites'], legacy),
      minVersion: profile.minVersion,
      honorCipherOrder: true,
    };
  }

  #sni(servername: string, done: (error: Error | null, context?: tls.SecureContext) => void): void {
    const served = this.certificates.lookup(servername);
    if (served) done(null, served.context);
    else if (this.certificates.hasDefault) done(null);
    else done(new Error(`no certificate for "${servername}"`));
  }
}
