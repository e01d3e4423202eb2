import type { RequestContext } from '../../context/request-context.ts';
import { PolicyFailure } from '../../failure.ts';
import { StepError } from '../../pipeline.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement, StepOrigin } from '../../types.ts';
import { MANAGED_IDENTITY_TOKENS, type IdentityProvider } from './tokens.ts';

/**
 * authentication-managed-identity (APIM-REFERENCE §4): gets an Entra ID
 * access token for `resource` as the gateway's identity (tokens.ts: how, and
 * the cache) and sets `Authorization: Bearer <token>` on the backend request
 * — or, as a child of send-request / send-one-way-request, on that request.
 * `output-token-variable-name` also stores the token as a string.
 * `authentication-provider="WorkloadIdentity"` is what the docs prescribe for
 * a self-hosted gateway on Kubernetes; it takes no client-id (doc).
 *
 * When no token can be had the request fails with 500 "Internal server
 * error" unless `ignore-error="true"`, which goes on without the header.
 * APIM documents no LastError reason for this failure; ManagedIdentityTokenUnavailable
 * is ours (the message carries the SDK's explanation, never a token).
 */

export const MANAGED_IDENTITY_FAILURE_REASON = 'ManagedIdentityTokenUnavailable';

const PROVIDERS: readonly IdentityProvider[] = ['ManagedIdentity', 'WorkloadIdentity'];
const ATTRIBUTES = ['resource', 'client-id', 'output-token-variable-name', 'ignore-error', 'authentication-provider'];

/** Sets the Authorization header of whatever request the policy applies to. */
export type Authorize = (context: RequestContext, setAuthorization: (value: string) => void) => Promise<void>;

/**
 * The policy's work, compiled once; `nestedIn` is the send-request it sits
 * in, so a failure is reported from the child's own path.
 */
export function compileManagedIdentity(element: PolicyElement, compiler: PolicyCompiler, nestedIn?: StepOrigin): Authorize {
  // The registry checks a top-level policy's attributes; a child of send-request only gets this check.
  for (const attribute of element.attributes.values()) {
    if (attribute.name !== 'id' && !ATTRIBUTES.includes(attribute.name)) compiler.fail(`authentication-managed-identity: unknown attribute "${attribute.name}"`, attribute);
  }
  if (element.children.length > 0) compiler.fail(`authentication-managed-identity: unexpected element <${element.children[0]!.name}>`, element.children[0]);
  const resource = compiler.string(element, 'resource');
  const clientId = compiler.optionalLiteral(element, 'client-id');
  const outputVariable = compiler.optionalLiteral(element, 'output-token-variable-name');
  const ignoreError = compiler.boolean(element, 'ignore-error', false);
  const provider = compiler.choice(element, 'authentication-provider', PROVIDERS, 'ManagedIdentity');
  if (provider === 'WorkloadIdentity' && clientId !== undefined) {
    compiler.fail('authentication-managed-identity: client-id cannot be combined with authentication-provider="WorkloadIdentity" (the workload has one identity)', element.attributes.get('client-id'));
  }
  if (clientId === '') compiler.fail('authentication-managed-identity: client-id is empty', element.attributes.get('client-id'));
  const origin = nestedIn && { ...nestedIn, policy: element.name, path: `${nestedIn.path}/${element.name}[1]`, id: element.attributes.get('id')?.value, location: element.location };

  return async (context, setAuthorization) => {
    const target = resource(context).trim();
    let token: string;
    try {
      if (target === '') throw new Error('the resource is empty');
      token = await MANAGED_IDENTITY_TOKENS.token({ provider, resource: target, clientId });
    } catch (error) {
      if (ignoreError(context)) return;
      const failure = new PolicyFailure(500, MANAGED_IDENTITY_FAILURE_REASON, 'Internal server error', {
        lastErrorMessage: `Unable to obtain a ${provider === 'WorkloadIdentity' ? 'workload identity' : 'managed identity'} token for resource '${target}': ${reasonOf(error)}`,
      });
      throw origin ? new StepError(origin, failure) : failure;
    }
    setAuthorization(`Bearer ${token}`);
    if (outputVariable !== undefined) context.variables.set(outputVariable, token);
  };
}

export const authenticationManagedIdentityPolicy: PolicyDefinition = {
  name: 'authentication-managed-identity',
  sections: ['inbound'],
  attributes: ATTRIBUTES,
  compile(element, compiler) {
    const authorize = compileManagedIdentity(element, compiler);
    return (context) => authorize(context, (value) => context.request.headers.set('Authorization', [value]));
  },
};

/** The SDK's first line: its messages go on with troubleshooting links and, for some sources, response bodies. */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]!.trim() || 'unknown error';
}
