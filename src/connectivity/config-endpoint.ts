import { SyncFailure } from '../config/sync/client.ts';
import { createConfigClient } from '../config/sync/federation.ts';
import { TokenSource } from '../config/sync/token-source.ts';
import type { Settings } from '../settings/schema.ts';
import { expiryNotice } from '../token/token-file.ts';
import type { AuthStep } from './targets.ts';

export interface ConfigEndpointAuth {
  auth: AuthStep;
  /** The configuration body the authenticated request fetched, once it succeeded: `--backends` reads it. */
  fetched: () => string | undefined;
}

/**
 * The management plane's authenticated request: the same configuration GET
 * with the same token source as `apimgw run`, so the verdict is the one the
 * gateway would meet. A refused token (TokenExpired / InvalidToken / no token)
 * is told apart from an endpoint that does not answer.
 */
export function configEndpointAuth(settings: Settings): ConfigEndpointAuth {
  let body: string | undefined;
  const auth: AuthStep = async ({ dispatcher, timeoutMs }) => {
    const tokenWarnings: string[] = [];
    const token = new TokenSource(settings, (message) => tokenWarnings.push(message));
    const client = createConfigClient({ ...settings, 'config.service.integration.timeout': timeoutMs / 1000 }, token, dispatcher);
    try {
      const result = await client.fetchConfiguration();
      if (result.kind === 'changed') body = result.body;
      const notice = expiryNotice(token.current());
      const warnings = [...tokenWarnings, ...(notice ? [notice.message] : [])];
      return {
        ok: true,
        label: 'ok',
        detail: `${client.configurationUrl} answered with the configuration (${result.kind === 'changed' ? result.body.length : 0} bytes)`,
        ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
      };
    } catch (error) {
      if (!(error instanceof SyncFailure)) throw error;
      const label = error.kind === 'unreachable' ? 'unreachable' : error.reason;
      return { ok: false, label, detail: `${error.message}. ${error.hint}` };
    }
  };
  return { auth, fetched: () => body };
}
