import { MessageBody } from './body.ts';
import { HostDictionary, MultiValueDictionary } from './dictionary.ts';
import type { Socket } from 'node:net';
import type { ClientCertificates } from '../../tls/client-certificate.ts';
import type { X509Certificate2 } from '../expression/dotnet/x509.ts';
import type { MessageUrl } from './url.ts';

/**
 * Headers whose several values travel as separate lines; the others are sent
 * as one comma-separated value (APIM-REFERENCE §4 set-header).
 */
const SEPARATE_LINE_HEADERS = new Set(['user-agent', 'www-authenticate', 'proxy-authenticate', 'cookie', 'set-cookie', 'warning', 'date', 'expires', 'if-modified-since', 'if-unmodified-since', 'last-modified', 'retry-after']);

export class HeaderDictionary extends MultiValueDictionary {
  /** From Node's flat [name, value, …] list, keeping the first spelling of each name. */
  static fromRaw(raw: readonly string[], skip?: (lowerName: string) => boolean): HeaderDictionary {
    const headers = new HeaderDictionary();
    for (let i = 0; i < raw.length; i += 2) {
      if (skip?.(raw[i]!.toLowerCase())) continue;
      headers.append(raw[i]!, [raw[i + 1]!]);
    }
    return headers;
  }

  /** Flat [name, value, …] list for undici or writeHead. */
  toRaw(): string[] {
    const raw: string[] = [];
    for (const { key, value } of this.entries.values()) {
      if (value.length === 1 || !SEPARATE_LINE_HEADERS.has(key.toLowerCase())) raw.push(key, value.join(','));
      else for (const single of value) raw.push(key, single);
    }
    return raw;
  }
}

/** context.Request: method, backend URL, headers, body; mutated only by policies. */
export class RequestMessage {
  method: string;
  readonly originalMethod: string;
  readonly url: MessageUrl;
  readonly originalUrl: MessageUrl;
  readonly headers: HeaderDictionary;
  /** null when the client sent no body and no policy set one. */
  body: MessageBody | null;
  readonly ipAddress: string;
  readonly matchedParameters: HostDictionary<string>;
  /** The client connection and the snapshot's certificate registry, for context.Request.Certificate (absent in unit tests). */
  readonly #socket: Socket | undefined;
  readonly #clientCertificates: ClientCertificates | undefined;

  constructor(init: {
    method: string; url: MessageUrl; originalUrl: MessageUrl; headers: HeaderDictionary; body: MessageBody | null; ipAddress: string; matchedParameters: HostDictionary<string>;
    socket?: Socket; clientCertificates?: ClientCertificates;
  }) {
    this.method = init.method;
    this.originalMethod = init.method;
    this.url = init.url;
    this.originalUrl = init.originalUrl;
    this.headers = init.headers;
    this.body = init.body;
    this.ipAddress = init.ipAddress;
    this.matchedParameters = init.matchedParameters;
    this.#socket = init.socket;
    this.#clientCertificates = init.clientCertificates;
  }

  get Method(): string {
    return this.method;
  }

  get OriginalMethod(): string {
    return this.originalMethod;
  }

  get Url(): MessageUrl {
    return this.url;
  }

  get OriginalUrl(): MessageUrl {
    return this.originalUrl;
  }

  get Headers(): HeaderDictionary {
    return this.headers;
  }

  get Body(): MessageBody | null {
    return this.body;
  }

  get HasBody(): boolean {
    return this.body !== null;
  }

  get IpAddress(): string {
    return this.ipAddress;
  }

  get MatchedParameters(): HostDictionary<string> {
    return this.matchedParameters;
  }

  /** The certificate the client presented in the TLS handshake; null over plain HTTP or when none was asked for or sent. */
  get Certificate(): X509Certificate2 | null {
    return this.#socket && this.#clientCertificates ? this.#clientCertificates.of(this.#socket) : null;
  }

  get PrivateEndpointConnection(): null {
    return null;
  }
}

/** context.Response (and send-request's IResponse): status, headers, body. */
export class ResponseMessage {
  statusCode: number;
  statusReason: string;
  readonly headers: HeaderDictionary;
  body: MessageBody | null;

  constructor(statusCode = 200, statusReason = 'OK', headers = new HeaderDictionary(), body: MessageBody | null = null) {
    this.statusCode = statusCode;
    this.statusReason = statusReason;
    this.headers = headers;
    this.body = body;
  }

  get StatusCode(): number {
    return this.statusCode;
  }

  get StatusReason(): string {
    return this.statusReason;
  }

  get Headers(): HeaderDictionary {
    return this.headers;
  }

  get Body(): MessageBody | null {
    return this.body;
  }

  /** Replaces the whole response (return-response, errors, cache hits). */
  reset(statusCode: number, statusReason: string, body: Buffer | string | null, contentType?: string): void {
    this.statusCode = statusCode;
    this.statusReason = statusReason;
    for (const key of this.headers.Keys) this.headers.delete(key);
    if (contentType !== undefined) this.headers.set('Content-Type', [contentType]);
    this.body = body === null ? null : MessageBody.of(body);
  }
}
