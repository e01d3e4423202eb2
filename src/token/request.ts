/**
 * Asks a management plane for a fresh token (`POST {endpoint}/gateways/{g}/token`,
 * served by `apimgw config serve`), authenticated with the current token.
 * Proxy environment variables and the certificate setting apply as for the
 * configuration sync.
 */
import { EnvHttpProxyAgent, request } from 'undici';
import { ApimgwError } from '../errors.ts';
import { parseToken, TOKEN_SCHEME, TokenFormatError, type KeyType, type ParsedToken } from './format.ts';

export interface TokenRequest {
  endpoint: string;
  current: ParsedToken;
  keyType?: KeyType;
  expiry?: Date;
  timeoutMs: number;
  disableCertificateValidation: boolean;
}

export async function requestToken(options: TokenRequest): Promise<string> {
  const { current } = options;
  const url = `${options.endpoint.replace(/\/+$/, '')}/gateways/${encodeURIComponent(current.gatewayId)}/token`;
  const tls = { rejectUnauthorized: !options.disableCertificateValidation };
  const dispatcher = new EnvHttpProxyAgent({ connect: tls, requestTls: tls });
  const body: Record<string, string> = {};
  if (options.keyType) body.keyType = options.keyType;
  if (options.expiry) body.expiry = options.expiry.toISOString();
  let status: number;
  let text: string;
  try {
    const response = await request(url, {
      method: 'POST',
      dispatcher,
      headers: { authorization: `${TOKEN_SCHEME} ${current.gatewayId}&${current.expiryText}&${current.signature}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
    status = response.statusCode;
    text = await response.body.text();
  } catch (error) {
    throw new ApimgwError('APIMGW_E_TOKEN_RENEW', `the management plane at ${url} did not answer (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  } finally {
    void dispatcher.close();
  }
  if (status !== 200) {
    const refusal = describeRefusal(text);
    throw new ApimgwError('APIMGW_E_TOKEN_RENEW', `the management plane refused the token request: HTTP ${status}${refusal}`);
  }
  const value = (() => {
    try {
      return (JSON.parse(text) as { value?: unknown }).value;
    } catch {
      return undefined;
    }
  })();
  if (typeof value !== 'string') throw new ApimgwError('APIMGW_E_TOKEN_RENEW', `the management plane answered HTTP 200 without a token ({"value": "GatewayKey …"})`);
  try {
    const issued = parseToken(value);
    if (issued.gatewayId !== current.gatewayId) throw new TokenFormatError(`it is for gateway "${issued.gatewayId}", not "${current.gatewayId}"`);
  } catch (error) {
    if (error instanceof TokenFormatError) throw new ApimgwError('APIMGW_E_TOKEN_RENEW', `the management plane answered with an unusable token: ${error.message}`);
    throw error;
  }
  return value.startsWith(`${TOKEN_SCHEME} `) ? value : `${TOKEN_SCHEME} ${value}`;
}

/** ` (TokenExpired: …)` from an error body `{code, message}`; the body never holds a secret. */
function describeRefusal(text: string): string {
  try {
    const { code, message } = JSON.parse(text) as { code?: unknown; message?: unknown };
    if (typeof code === 'string') return ` (${code}${typeof message === 'string' ? `: ${message}` : ''})`;
  } catch {
    // Not JSON: the status alone has to do.
  }
  return '';
}
