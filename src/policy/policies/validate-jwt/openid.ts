import type { Logger } from '../../../telemetry/logger.ts';
import { call } from '../send-request/client.ts';
import { jwkKey, type SigningKey } from './keys.ts';

/**
 * The signing keys behind an `openid-config url`: the discovery document's
 * `jwks_uri`, fetched once and kept for an hour; a token whose `kid` is not
 * among them triggers a refetch, at most once every five minutes, so key
 * rollover is picked up without letting unknown kids hammer the provider
 * (APIM-REFERENCE §4 validate-jwt). One source per URL, shared by every
 * policy that names it.
 */

const REFRESH_AFTER_MS = 60 * 60 * 1000;
const UNKNOWN_KID_REFETCH_MS = 5 * 60 * 1000;
const FETCH_TIMEOUT_MS = 10_000;
const MAX_DOCUMENT_BYTES = 1024 * 1024;

export class OpenIdKeySource {
  readonly #url: string;
  readonly #logger: Logger;
  readonly #now: () => number;
  #keys: readonly SigningKey[] = [];
  #issuer: string | undefined;
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #pending: Promise<void> | null = null;

  constructor(url: string, logger: Logger, now: () => number = Date.now) {
    this.#url = url;
    this.#logger = logger;
    this.#now = now;
  }

  /** The keys, fetched first when there are none yet or they are an hour old. */
  async keys(): Promise<readonly SigningKey[]> {
    if (this.#now() - this.#fetchedAt >= REFRESH_AFTER_MS && this.#now() - this.#lastAttempt >= UNKNOWN_KID_REFETCH_MS) await this.#refresh();
    else if (this.#pending) await this.#pending;
    return this.#keys;
  }

  /** The discovery document's `issuer`, once fetched (validate-azure-ad-token learns the tenant's id from it). */
  get issuer(): string | undefined {
    return this.#issuer;
  }

  /** Fetches again for a `kid` not among the keys, unless that was tried in the last five minutes; the keys afterwards. */
  async keysIncluding(kid: string): Promise<readonly SigningKey[]> {
    const keys = await this.keys();
    if (keys.some((key) => key.id === kid) || this.#now() - this.#lastAttempt < UNKNOWN_KID_REFETCH_MS) return keys;
    await this.#refresh();
    return this.#keys;
  }

  #refresh(): Promise<void> {
    this.#pending ??= this.#fetch().finally(() => {
      this.#pending = null;
    });
    return this.#pending;
  }

  async #fetch(): Promise<void> {
    this.#lastAttempt = this.#now();
    try {
      const configuration = await getJson(this.#url);
      const jwksUri = (configuration as { jwks_uri?: unknown }).jwks_uri;
      if (typeof jwksUri !== 'string') throw new Error('the OpenID configuration has no jwks_uri');
      const jwks = await getJson(new URL(jwksUri, this.#url).toString());
      const entries = (jwks as { keys?: unknown }).keys;
      if (!Array.isArray(entries)) throw new Error('the JWKS document has no keys array');
      this.#keys = entries.map((entry) => jwkKey(entry as never)).filter((key): key is SigningKey => key !== undefined);
      const issuer = (configuration as { issuer?: unknown }).issuer;
      this.#issuer = typeof issuer === 'string' ? issuer : undefined;
      this.#fetchedAt = this.#now();
    } catch (error) {
      // Stale keys keep working until a fetch succeeds.
      this.#logger.warn({ url: this.#url, err: error }, 'validate-jwt could not fetch OpenID configuration');
    }
  }
}

async function getJson(url: string): Promise<unknown> {
  const response = await call({ url, method: 'GET', headers: ['accept', 'application/json'], body: null, timeoutMs: FETCH_TIMEOUT_MS, maxBodyBytes: MAX_DOCUMENT_BYTES });
  if (response.statusCode !== 200) throw new Error(`GET ${url} answered ${response.statusCode}`);
  return JSON.parse(response.body.toString('utf8'));
}

const SOURCES = new Map<string, OpenIdKeySource>();

/** The shared source for a URL. */
export function openIdKeySource(url: string, logger: Logger): OpenIdKeySource {
  let source = SOURCES.get(url);
  if (!source) {
    source = new OpenIdKeySource(url, logger);
    SOURCES.set(url, source);
  }
  return source;
}
