import type { ApiManagementClient } from '@azure/arm-apimanagement';
import type { TokenCredential } from '@azure/identity';
import type { HttpClient, PipelinePolicy } from '@azure/core-rest-pipeline';
import type { Settings } from '../../settings/schema.ts';
import { VERSION } from '../../version.ts';
import { SyncFailure } from '../sync/client.ts';
import { armAuth, type ArmAuth, type ArmSettings } from './settings.ts';

/**
 * The ARM client with the credential the settings name, and the translation
 * of what the SDKs throw into the sync's three kinds of trouble, so that an
 * operator reads "credentials wrong" or "unreachable", never a stack.
 * The SDKs are imported on first use: they double the start-up time of
 * every command, and only ARM mode needs them.
 */

export type ArmClientSettings = ArmSettings & Pick<Settings, 'config.service.auth.azureAd.authority' | 'config.service.integration.timeout'>;

/** Requests sent, including the SDK's retries; 429s among them. Reset per sync by the caller. */
export interface ArmCallCounter {
  calls: number;
  throttled: number;
}

/**
 * How requests leave: `apimgw check-connectivity` sends the sign-in and the
 * ARM read through the dispatcher of its probe (--resolve, --ca, the proxy
 * decision it reported) and without retries, so its verdict is the first answer.
 */
export interface ArmTransport {
  httpClient: HttpClient;
  maxRetries: number;
}

/** Retries of one request on 429/5xx, each after the Retry-After ARM sends (the SDK's throttling policy) or an exponential delay. */
const MAX_RETRIES = 3;

/** Entra clouds MSAL knows; any other authority (Azure Stack, a test double) is taken as given instead of being looked up at login.microsoftonline.com. */
const KNOWN_AUTHORITY_HOSTS = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

export async function createCredential(auth: ArmAuth, authorityHost: string, transport?: ArmTransport): Promise<TokenCredential> {
  const { ChainedTokenCredential, ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential, WorkloadIdentityCredential } = await import('@azure/identity');
  const options = {
    authorityHost,
    disableInstanceDiscovery: !KNOWN_AUTHORITY_HOSTS.has(new URL(authorityHost).hostname),
    ...(transport ? { httpClient: transport.httpClient, retryOptions: { maxRetries: transport.maxRetries } } : {}),
  };
  switch (auth.kind) {
    case 'secret':
      return new ClientSecretCredential(auth.tenantId, auth.clientId, auth.secret, options);
    case 'certificate':
      return new ClientCertificateCredential(auth.tenantId, auth.clientId, { certificatePath: auth.certificatePath }, options);
    case 'identity': {
      // Exactly two, in this order (not DefaultAzureCredential, which would also try developer logins on a server):
      // AKS workload identity when its webhook injected the federated token file, then the VM/App Service managed identity.
      const clientOptions = transport ? { httpClient: transport.httpClient, retryOptions: { maxRetries: transport.maxRetries } } : {};
      const managed = new ManagedIdentityCredential(auth.clientId === undefined ? clientOptions : { ...clientOptions, clientId: auth.clientId });
      if (process.env.AZURE_FEDERATED_TOKEN_FILE === undefined) return managed;
      return new ChainedTokenCredential(new WorkloadIdentityCredential({ ...options, ...(auth.clientId ? { clientId: auth.clientId } : {}) }), managed);
    }
  }
}

/** `abort` ends every request in flight (shutdown must not wait out an integration timeout). */
export async function createArmClient(settings: ArmClientSettings, subscriptionId: string, counter: ArmCallCounter, abort?: AbortSignal,
  transport?: ArmTransport, credential?: TokenCredential): Promise<ApiManagementClient> {
  const { ApiManagementClient } = await import('@azure/arm-apimanagement');
  const endpoint = settings['config.arm.endpoint'];
  const client = new ApiManagementClient(credential ?? await createCredential(armAuth(settings), settings['config.service.auth.azureAd.authority'], transport), subscriptionId, {
    endpoint,
    $host: endpoint,
    userAgentOptions: { userAgentPrefix: `apimgw/${VERSION}` },
    retryOptions: { maxRetries: transport?.maxRetries ?? MAX_RETRIES },
    ...(transport ? { httpClient: transport.httpClient } : {}),
  });
  const timeoutMs = Math.round(settings['config.service.integration.timeout'] * 1000);
  // After the retry phase: every attempt is counted, a retried 429 included, because each one costs ARM budget.
  const counting: PipelinePolicy = {
    name: 'apimgwArmCallCounter',
    async sendRequest(request, next) {
      if (!request.timeout) request.timeout = timeoutMs;
      if (abort && !request.abortSignal) request.abortSignal = abort;
      counter.calls++;
      const response = await next(request);
      if (response.status === 429) counter.throttled++;
      return response;
    },
  };
  client.pipeline.addPolicy(counting, { afterPhase: 'Retry' });
  return client;
}

/** What the Azure SDKs throw, read by shape: the SDK modules are loaded lazily and may not be loaded at all when this runs. */
interface RestLikeError {
  name?: string;
  errorResponse?: { error?: string; errorDescription?: string };
  /** MSAL's error under @azure/identity's AuthenticationRequiredError: ServerError when Entra answered, ClientAuthError when it could not be reached. */
  cause?: { name?: string; code?: string; errorCode?: string; errorMessage?: string };
  message?: string;
  statusCode?: number;
  code?: string;
}

const ENTRA_HINT = 'Check config.service.auth.azureAd.tenantId, clientId and the client secret or certificate (an expired secret is refused too); `apimgw check-connectivity` tests the sign-in alone.';
const ROLE_HINT = 'Give the identity the read actions of README "Use with an Azure API Management instance" on the APIM instance (custom role), and check config.arm.serviceResourceId.';

/** One line saying what went wrong with an ARM call or the sign-in before it; never holds a secret. */
export function armFailure(error: unknown, what: string): SyncFailure {
  if (error instanceof SyncFailure) return error;
  const rest = error as RestLikeError;
  if (rest.name === 'AuthenticationRequiredError' && rest.cause?.name === 'ServerError') {
    return new SyncFailure('unauthorized', rest.cause.errorCode ?? 'EntraRefused', `Entra ID refused the credentials (${rest.cause.errorCode}: ${entraReason(rest.cause.errorMessage)})`, ENTRA_HINT);
  }
  if (rest.name === 'AuthenticationRequiredError') {
    return new SyncFailure('unreachable', 'EntraUnreachable', `Entra ID did not answer the sign-in (${firstLine(rest.cause?.errorMessage ?? rest.cause?.errorCode ?? rest.message)})`,
      'Check config.service.auth.azureAd.authority, DNS, the network path and HTTPS_PROXY/NO_PROXY to the Entra authority host.');
  }
  if (rest.name === 'AuthenticationError' && rest.errorResponse) {
    const statusCode = rest.statusCode;
    const code = rest.errorResponse.error;
    const description = rest.errorResponse.errorDescription;
    // MSAL reports a network failure as an authentication error without an HTTP answer.
    if (!statusCode || code === 'network_error' || code === 'ClientAuthError') {
      return new SyncFailure('unreachable', 'EntraUnreachable', `Entra ID did not answer the sign-in (${firstLine(description || rest.message)})`,
        'Check config.service.auth.azureAd.authority, DNS, the network path and HTTPS_PROXY/NO_PROXY to the Entra authority host.');
    }
    return new SyncFailure('unauthorized', code || `HTTP${statusCode}`, `Entra ID refused the credentials (${code}: ${entraReason(description)})`, ENTRA_HINT);
  }
  // MSAL reports an authority it cannot reach as "credential unavailable" (endpoints_resolution_error).
  if (rest.name === 'CredentialUnavailableError' && /endpoints_resolution_error|network_error|ECONNREFUSED|ENOTFOUND|ETIMEDOUT/.test(rest.message ?? '')) {
    return new SyncFailure('unreachable', 'EntraUnreachable', `Entra ID did not answer the sign-in (${firstLine(rest.message)})`,
      'Check config.service.auth.azureAd.authority, DNS, the network path and HTTPS_PROXY/NO_PROXY to the Entra authority host.');
  }
  if (rest.name === 'CredentialUnavailableError' || rest.name === 'AggregateAuthenticationError') {
    return new SyncFailure('unauthorized', 'NoCredential', `no Azure identity to sign in with (${firstLine(rest.message)})`,
      'Set config.service.auth=azureAdApp with config.service.auth.azureAd.tenantId, clientId and clientSecret, or run where a managed or workload identity is assigned.');
  }
  const status = rest.statusCode;
  const detail = `${rest.code ? `${rest.code}: ` : ''}${firstLine(rest.message ?? String(error))}`;
  if (status === undefined) {
    const reason = rest.code ?? rest.cause?.code ?? rest.name ?? 'Error';
    return new SyncFailure('unreachable', reason, `ARM did not answer ${what} (${detail})`,
      'Check config.arm.endpoint, DNS, the network path and HTTPS_PROXY/NO_PROXY; a running gateway keeps serving its last configuration.');
  }
  if (status === 401 || status === 403) return new SyncFailure('unauthorized', rest.code ?? `HTTP${status}`, `ARM refused ${what} (HTTP ${status} ${detail})`, ROLE_HINT);
  if (status === 429 || status >= 500) {
    return new SyncFailure('unreachable', `HTTP${status}`, `ARM answered HTTP ${status} to ${what} after ${MAX_RETRIES} retries (${detail})`,
      status === 429 ? 'ARM throttles this principal: raise config.arm.poll.interval, or give each gateway instance its own identity.' : 'ARM is failing; the gateway keeps serving its last configuration and retries with backoff.');
  }
  return new SyncFailure('rejected', rest.code ?? `HTTP${status}`, `ARM answered HTTP ${status} to ${what} (${detail})`,
    status === 404 ? 'Check config.arm.serviceResourceId names the APIM instance and gateway.name one of its gateways (APIM → Gateways).' : undefined);
}

/** `AADSTS7000215: Invalid client secret provided.` out of MSAL's `Error(s): … - Description: AADSTS…` and Entra's trace lines. */
function entraReason(description: string | undefined): string {
  const text = description ?? '';
  const aadsts = /AADSTS\d+:[^.\r\n]*\.?/.exec(text);
  return aadsts ? aadsts[0] : firstLine(text);
}

function firstLine(text: string | undefined): string {
  return (text ?? '').split(/\r?\n/)[0]!.trim().slice(0, 300);
}
