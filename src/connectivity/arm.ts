import type { AccessToken } from '@azure/identity';
import type { HttpClient, PipelineRequest, PipelineResponse } from '@azure/core-rest-pipeline';
import { request as undiciRequest, type Dispatcher } from 'undici';
import { armFailure, createArmClient, createCredential, type ArmClientSettings, type ArmTransport } from '../config/arm/client.ts';
import { armAuth, armTarget, type ArmAuth } from '../config/arm/settings.ts';
import type { AuthContext, AuthOutcome, AuthStep } from './targets.ts';

/**
 * The authenticated steps of ARM mode: a token from Entra ID through the
 * credential the ARM source uses, then one ARM read through its client (GET
 * of the gateway resource gateway.name). Each answer is sorted into what an
 * operator fixes: the credentials (Entra refuses), the network (no answer),
 * or the identity's role on the instance (ARM refuses).
 */

/** The action the ARM step needs: a GET of the gateway resource. */
export const ARM_CHECK_ACTION = 'Microsoft.ApiManagement/service/gateways/read';

/**
 * A core-rest-pipeline HttpClient over an undici dispatcher: the SDKs'
 * requests take the probe's --resolve, --ca and proxy decision. Responses
 * are read whole (token and resource JSON, small); no compression is asked for.
 */
export function dispatcherHttpClient(dispatcher: Dispatcher): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const { body } = request;
      if (body !== undefined && body !== null && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        throw new TypeError('only string and byte request bodies are sent by this client');
      }
      const headers = request.headers.toJSON();
      delete headers['accept-encoding'];
      const signals = [request.abortSignal, request.timeout > 0 ? AbortSignal.timeout(request.timeout) : undefined].filter((s): s is AbortSignal => s !== undefined);
      const { RestError, createHttpHeaders } = await import('@azure/core-rest-pipeline');
      try {
        const answer = await undiciRequest(request.url, {
          method: request.method as Dispatcher.HttpMethod,
          headers,
          body: body ?? null,
          dispatcher,
          ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
        });
        const bodyAsText = await answer.body.text();
        const responseHeaders = createHttpHeaders();
        for (const [name, value] of Object.entries(answer.headers)) {
          if (value !== undefined) responseHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
        }
        return { request, status: answer.statusCode, headers: responseHeaders, bodyAsText };
      } catch (error) {
        const { code, cause, message } = error as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
        // As the SDK's own client: no HTTP answer is a RestError without a status, its code the system's.
        throw new RestError(cause?.message ?? message, { code: cause?.code ?? code ?? RestError.REQUEST_SEND_ERROR, request });
      }
    },
  };
}

function transportOf(context: AuthContext): ArmTransport {
  return { httpClient: dispatcherHttpClient(context.dispatcher), maxRetries: 0 };
}

function signedInAs(auth: ArmAuth): string {
  if (auth.kind === 'identity') return auth.clientId === undefined ? 'the managed identity' : `the managed identity ${auth.clientId}`;
  return `app ${auth.clientId} (tenant ${auth.tenantId}, ${auth.kind === 'secret' ? 'client secret' : 'certificate'})`;
}

/** The sign-in alone; its failure as a label an operator reads: InvalidCredentials, NoCredential or unreachable. */
async function signIn(settings: ArmClientSettings, context: AuthContext): Promise<{ outcome: AuthOutcome; token?: AccessToken }> {
  const auth = armAuth(settings);
  const credential = await createCredential(auth, settings['config.service.auth.azureAd.authority'], transportOf(context));
  try {
    const token = await credential.getToken(`${settings['config.arm.endpoint']}/.default`);
    if (!token) return { outcome: { ok: false, label: 'NoToken', detail: `Entra ID answered the sign-in of ${signedInAs(auth)} without a token` } };
    const minutes = Math.round((token.expiresOnTimestamp - Date.now()) / 60_000);
    return { outcome: { ok: true, label: 'ok', detail: `Entra ID issued an ARM token to ${signedInAs(auth)}, valid ${minutes} min` }, token };
  } catch (error) {
    const failure = armFailure(error, 'the sign-in');
    const label = failure.kind === 'unreachable' ? 'unreachable' : failure.reason === 'NoCredential' ? 'NoCredential' : 'InvalidCredentials';
    return { outcome: { ok: false, label, detail: `${failure.message}. ${failure.hint ?? ''}`.trim() } };
  }
}

/** `… does not have authorization to perform action 'X' over scope 'Y' …` → X, as ARM words an AuthorizationFailed. */
function deniedAction(message: string | undefined): string | undefined {
  return /perform action '([^']+)'/.exec(message ?? '')?.[1];
}

/** The Entra authority target's step: a token for ARM, nothing more. */
export function armSignInStep(settings: ArmClientSettings): AuthStep {
  return async (context) => (await signIn({ ...settings, 'config.service.integration.timeout': context.timeoutMs / 1000 }, context)).outcome;
}

/** The ARM target's step: the sign-in, then GET of the gateway resource through the ARM source's client with the token just issued. */
export function armReadStep(settings: ArmClientSettings): AuthStep {
  const target = armTarget(settings);
  const url = `${target.url}/gateways/${target.gateway}`;
  return async (context) => {
    const timed = { ...settings, 'config.service.integration.timeout': context.timeoutMs / 1000 };
    const signedIn = await signIn(timed, context);
    const token = signedIn.token;
    if (!token) {
      return { ...signedIn.outcome, detail: `no ARM read without a token: ${signedIn.outcome.detail}` };
    }
    const client = await createArmClient(timed, target.subscriptionId, { calls: 0, throttled: 0 }, undefined, transportOf(context), { getToken: async () => token });
    try {
      const gateway = await client.gateway.get(target.resourceGroup, target.serviceName, target.gateway);
      const location = gateway.locationData?.name ? `, location "${gateway.locationData.name}"` : '';
      return { ok: true, label: 'ok', detail: `GET ${url} answered 200: gateway ${gateway.name ?? target.gateway} of ${target.serviceName}${location}` };
    } catch (error) {
      const rest = error as { statusCode?: number; code?: string; message?: string };
      if (rest.statusCode === 403) {
        const action = deniedAction(rest.message) ?? ARM_CHECK_ACTION;
        return {
          ok: false,
          label: 'Forbidden',
          detail: `ARM refused GET ${url} (HTTP 403 ${rest.code ?? 'Forbidden'}): the identity may not perform ${action} on ${target.serviceName}. `
            + 'Assign it the custom role of README "Use with an Azure API Management instance" (which holds this action) at the scope of config.arm.serviceResourceId; a new assignment can take minutes to apply.',
        };
      }
      if (rest.statusCode === 404) {
        return {
          ok: false,
          label: 'NotFound',
          detail: `ARM answered 404 to GET ${url} (${rest.code ?? 'NotFound'}). Check config.arm.serviceResourceId names the APIM instance and gateway.name one of its self-hosted gateways (APIM → Gateways).`,
        };
      }
      const failure = armFailure(error, `GET ${url}`);
      const label = failure.kind === 'unreachable' && rest.statusCode === undefined ? 'unreachable' : rest.statusCode === 401 ? 'Unauthorized' : failure.reason;
      return { ok: false, label, detail: `${failure.message}. ${failure.hint ?? ''}`.trim() };
    }
  };
}
