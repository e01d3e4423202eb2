import { EnvHttpProxyAgent, request, type Dispatcher } from 'undici';
import { ApimgwError } from '../../errors.ts';

/**
 * The gateway's side of the management-plane protocol (DESIGN §5): one
 * configuration GET with ETag, one heartbeat POST. Failures come back as a
 * SyncFailure that says what kind of trouble it is, because the caller reacts
 * differently to each: a rejected token needs an operator, a network error
 * only needs patience.
 */

export interface ConfigClientOptions {
  endpoint: string;
  gatewayName: string;
  /** The `Authorization` value for the next request: read per request so a renewed token file is used at once. */
  authorization: () => string;
  timeoutSeconds: number;
  disableCertificateValidation: boolean;
  userAgent: string;
  /** Used instead of the proxy-aware default (`check-connectivity` brings one with --resolve and --ca applied). The caller owns it: do not call close() or destroy() then. */
  dispatcher?: Dispatcher;
}

export type FetchResult =
  | { kind: 'changed'; body: string; etag: string | undefined }
  | { kind: 'unchanged' };

export interface Heartbeat {
  instanceId: string;
  hostname: string;
  version: string;
  configRevision: string | undefined;
  status: 'ok' | 'degraded' | 'error';
  startedAt: string;
  lastSyncAt: string | undefined;
  lastError?: string;
}

/** unauthorized: the token was refused (code TokenExpired / InvalidToken); unreachable: network, timeout or a 5xx; rejected: any other answer. */
export type FailureKind = 'unauthorized' | 'unreachable' | 'rejected';

const FAILURE_CODES = { unauthorized: 'APIMGW_E_SYNC_UNAUTHORIZED', unreachable: 'APIMGW_E_SYNC_UNREACHABLE', rejected: 'APIMGW_E_SYNC_FAILED' } as const;

export class SyncFailure extends ApimgwError {
  readonly kind: FailureKind;
  /** The management plane's error code (`TokenExpired`, `InvalidToken`) or the network error code. */
  readonly reason: string;

  constructor(kind: FailureKind, reason: string, message: string, hint?: string) {
    super(FAILURE_CODES[kind], message, { hint });
    this.kind = kind;
    this.reason = reason;
  }
}

const TOKEN_HINT: Record<string, string> = {
  TokenExpired: 'The gateway token has expired: renew it (`apimgw token renew`, or a new token from the portal) into config.service.auth.tokenFile; the gateway picks it up at the next poll.',
  InvalidToken: 'The management plane does not accept this token (other gateway, regenerated key, or a typo): create a new one for this gateway and put it in config.service.auth.tokenFile.',
};

export class ConfigClient {
  readonly configurationUrl: string;
  readonly heartbeatUrl: string;
  readonly #options: ConfigClientOptions;
  readonly #dispatcher: Dispatcher;

  constructor(options: ConfigClientOptions) {
    this.#options = options;
    const base = `${options.endpoint.replace(/\/+$/, '')}/gateways/${encodeURIComponent(options.gatewayName)}`;
    this.configurationUrl = `${base}/configuration`;
    this.heartbeatUrl = `${base}/heartbeat`;
    const tls = { rejectUnauthorized: !options.disableCertificateValidation };
    // HTTP_PROXY / HTTPS_PROXY / NO_PROXY as curl reads them; TLS options apply direct and through a proxy alike.
    this.#dispatcher = options.dispatcher ?? new EnvHttpProxyAgent({ connect: tls, requestTls: tls });
  }

  /** The configuration, or `unchanged` when it still has the ETag we hold. */
  async fetchConfiguration(etag?: string): Promise<FetchResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (etag !== undefined) headers['if-none-match'] = etag;
    const response = await this.#send('GET', this.configurationUrl, headers);
    const body = await response.body.text().catch((error: unknown) => {
      throw this.#unreachable(error);
    });
    if (response.statusCode === 304) return { kind: 'unchanged' };
    if (response.statusCode === 200) {
      const tag = response.headers.etag;
      return { kind: 'changed', body, etag: typeof tag === 'string' ? tag : undefined };
    }
    throw this.#failure(response.statusCode, body);
  }

  async sendHeartbeat(heartbeat: Heartbeat): Promise<void> {
    const response = await this.#send('POST', this.heartbeatUrl, { 'content-type': 'application/json' }, JSON.stringify(heartbeat));
    const body = await response.body.text().catch(() => '');
    if (response.statusCode >= 300) throw this.#failure(response.statusCode, body);
  }

  close(): Promise<void> {
    return this.#dispatcher.close();
  }

  /** Aborts requests in flight too: shutdown must not wait out an integration timeout. */
  destroy(): Promise<void> {
    return this.#dispatcher.destroy();
  }

  async #send(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<Dispatcher.ResponseData> {
    const timeoutMs = Math.round(this.#options.timeoutSeconds * 1000);
    try {
      return await request(url, {
        method,
        body,
        dispatcher: this.#dispatcher,
        headers: { ...headers, authorization: this.#options.authorization(), 'user-agent': this.#options.userAgent },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      if (error instanceof ApimgwError) throw error;
      throw this.#unreachable(error);
    }
  }

  #unreachable(error: unknown): SyncFailure {
    const cause = error as { code?: string; name?: string; message?: string; cause?: { code?: string } };
    const reason = cause.name === 'TimeoutError' ? 'Timeout' : cause.code ?? cause.cause?.code ?? cause.name ?? 'Error';
    const detail = reason === 'Timeout' ? `no answer within ${this.#options.timeoutSeconds} s` : `${reason}${cause.message ? `: ${cause.message}` : ''}`;
    return new SyncFailure('unreachable', reason, `management plane ${this.#options.endpoint} unreachable (${detail})`,
      'Check config.service.endpoint, the network path and HTTPS_PROXY/NO_PROXY; the gateway keeps serving its last configuration meanwhile.');
  }

  #failure(status: number, body: string): SyncFailure {
    let code: string | undefined;
    let message: string | undefined;
    try {
      const parsed = JSON.parse(body) as { code?: unknown; message?: unknown };
      if (typeof parsed.code === 'string') code = parsed.code;
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // Not our protocol's error body (a proxy's HTML page): the status says enough.
    }
    const said = `${code ?? `HTTP ${status}`}${message ? `: ${message}` : ''}`;
    if (status === 401 || status === 403) {
      const reason = code ?? `HTTP${status}`;
      return new SyncFailure('unauthorized', reason, `management plane refused the gateway token (${said})`, TOKEN_HINT[reason] ?? TOKEN_HINT.InvalidToken);
    }
    if (status >= 500 || status === 429) {
      return new SyncFailure('unreachable', `HTTP${status}`, `management plane answered ${said}`, 'The management plane is failing; the gateway keeps serving its last configuration and retries.');
    }
    return new SyncFailure('rejected', `HTTP${status}`, `management plane answered ${said} for gateway ${this.#options.gatewayName}`,
      status === 404 ? 'Check gateway.name matches a gateway the management plane knows, and config.service.endpoint.' : undefined);
  }
}
