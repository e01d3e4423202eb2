import type { AccessToken, TokenCredential } from '@azure/identity';

/**
 * Access tokens for authentication-managed-identity, obtained the way Azure's
 * own SDKs obtain them on the host apimgw runs on (@azure/identity):
 * ManagedIdentityCredential finds the host's identity endpoint by itself —
 * IMDS on VMs and VM scale sets, IDENTITY_ENDPOINT + IDENTITY_HEADER on App
 * Service / Container Apps / Functions, Azure Arc, Service Fabric, Cloud
 * Shell, and AKS workload identity when AZURE_FEDERATED_TOKEN_FILE is set;
 * WorkloadIdentityCredential (authentication-provider="WorkloadIdentity")
 * exchanges the Kubernetes service account token for the workload's own
 * identity. Neither SDK credential caches managed identity tokens, so this
 * does: one token per (provider, resource, client id), reused until shortly
 * before it expires, with concurrent requests sharing one fetch.
 */

export type IdentityProvider = 'ManagedIdentity' | 'WorkloadIdentity';

export interface TokenRequest {
  readonly provider: IdentityProvider;
  readonly resource: string;
  /** A user-assigned identity; undefined: the system-assigned one. */
  readonly clientId: string | undefined;
}

/** Turns a request into a token; the default asks @azure/identity. */
export type TokenFetcher = (request: TokenRequest) => Promise<AccessToken>;

/** Azure SDK clients refresh this long before expiry (core-rest-pipeline's bearer token policy). */
const REFRESH_BEFORE_EXPIRY_MS = 5 * 60 * 1000;
/** A token this close to expiry is not handed out even when a refresh fails: the backend would likely see it expire. */
const USABLE_UNTIL_BEFORE_EXPIRY_MS = 30 * 1000;

interface Entry {
  token: AccessToken | undefined;
  /** When to fetch a new one. */
  refreshAt: number;
  pending: Promise<AccessToken> | undefined;
}

export class ManagedIdentityTokens {
  readonly #fetch: TokenFetcher;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(fetch: TokenFetcher = sdkFetcher(), now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  /**
   * The token for a request: the cached one while fresh; past its refresh
   * time a new one (a failed refresh falls back to the old token while it
   * still has 30 s to live, and rejects otherwise).
   */
  async token(request: TokenRequest): Promise<string> {
    const key = `${request.provider}\n${request.clientId ?? ''}\n${request.resource}`;
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = { token: undefined, refreshAt: Number.NEGATIVE_INFINITY, pending: undefined };
      this.#entries.set(key, entry);
    }
    const now = this.#now();
    if (entry.token && now < entry.refreshAt) return entry.token.token;
    try {
      return (await this.#refresh(entry, request)).token;
    } catch (error) {
      if (entry.token && this.#now() < entry.token.expiresOnTimestamp - USABLE_UNTIL_BEFORE_EXPIRY_MS) return entry.token.token;
      throw error;
    }
  }

  #refresh(entry: Entry, request: TokenRequest): Promise<AccessToken> {
    entry.pending ??= this.#fetch(request)
      .then((token) => {
        entry.token = token;
        entry.refreshAt = refreshTime(token, this.#now());
        return token;
      })
      .finally(() => {
        entry.pending = undefined;
      });
    return entry.pending;
  }
}

/** The SDK's own hint (the endpoint's refresh_in) when given, else five minutes before expiry, or half way for short-lived tokens. */
function refreshTime(token: AccessToken, now: number): number {
  if (token.refreshAfterTimestamp !== undefined) return token.refreshAfterTimestamp;
  const lifetime = token.expiresOnTimestamp - now;
  return token.expiresOnTimestamp - Math.min(REFRESH_BEFORE_EXPIRY_MS, lifetime / 2);
}

/**
 * Credentials are created on first use (the SDK is loaded then too: a gateway
 * without this policy never pays for it) and kept per provider and client id,
 * since each holds its own MSAL application and connection pool.
 */
function sdkFetcher(): TokenFetcher {
  const credentials = new Map<string, Promise<TokenCredential>>();
  const credentialFor = (request: TokenRequest): Promise<TokenCredential> => {
    const key = `${request.provider}\n${request.clientId ?? ''}`;
    let credential = credentials.get(key);
    if (!credential) {
      credential = import('@azure/identity').then((identity) => (request.provider === 'WorkloadIdentity'
        ? new identity.WorkloadIdentityCredential()
        : new identity.ManagedIdentityCredential(request.clientId === undefined ? {} : { clientId: request.clientId })));
      credentials.set(key, credential);
    }
    return credential;
  };
  // The resource goes through unchanged as the scope: the SDK strips only a trailing "/.default", so
  // "https://storage.azure.com/" reaches the identity endpoint as written, as APIM sends it.
  return async (request) => {
    const token = await (await credentialFor(request)).getToken(request.resource);
    if (!token) throw new Error('the credential returned no token');
    return token;
  };
}

/** Shared by every policy of the process, as APIM shares its token cache across the instance. */
export const MANAGED_IDENTITY_TOKENS = new ManagedIdentityTokens();
