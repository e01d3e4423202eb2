import type http from 'node:http';
import { z } from 'zod';
import type { Logger } from '../../telemetry/logger.ts';
import { createToken, MAX_TOKEN_LIFETIME_MS, parseToken, verifyToken, type KeyType } from '../../token/format.ts';
import { etagMatches, readJsonBody, sendError, sendJson } from './http.ts';
import { HeartbeatSchema, type InstanceRegistry } from './instances.ts';
import type { KeyStore } from './keys.ts';
import type { ServedConfigs } from './served-config.ts';

/** Heartbeats and token requests are small; anything bigger is not one of them. */
const BODY_LIMIT_BYTES = 64 * 1024;

const TokenRequestSchema = z.object({
  keyType: z.enum(['primary', 'secondary']).optional(),
  expiry: z.iso.datetime({ offset: true }).optional(),
}).strict();

export interface HandlerContext {
  keys: KeyStore;
  configs: ServedConfigs;
  instances: InstanceRegistry;
  logger: Logger;
  now: () => Date;
}

export interface GatewayRequest {
  gateway: string;
  request: http.IncomingMessage;
  response: http.ServerResponse;
}

/**
 * Checks `Authorization: GatewayKey <token>` against the gateway's keys and
 * answers 401 (with `WWW-Authenticate: GatewayKey`) when it fails. The log
 * line says why, never the token.
 */
export function authenticate(context: HandlerContext, { gateway, request, response }: GatewayRequest): KeyType | undefined {
  const keys = context.keys.get(gateway);
  const header = request.headers.authorization;
  const result = header === undefined || keys === undefined
    ? { ok: false as const, code: 'InvalidToken' as const, reason: header === undefined ? 'no Authorization: GatewayKey header' : 'the gateway has no keys' }
    : verifyToken(header, gateway, keys, context.now());
  if (result.ok) return result.keyType;
  context.logger.warn({ gateway, code: result.code, reason: result.reason, remoteAddress: request.socket.remoteAddress, path: request.url }, 'request refused: gateway token not accepted');
  sendError(response, 401, result.code, result.reason, { 'www-authenticate': 'GatewayKey' });
  return undefined;
}

export function getConfiguration(context: HandlerContext, call: GatewayRequest): void {
  if (!authenticate(context, call)) return;
  const served = context.configs.get(call.gateway);
  if (!served) {
    sendError(call.response, 503, 'ConfigurationUnavailable', `no valid configuration for gateway "${call.gateway}" yet: the management plane's log says what is wrong`, { 'retry-after': '10' });
    return;
  }
  const headers = { etag: served.etag, 'cache-control': 'no-cache', 'x-apimgw-config-revision': served.revision };
  if (etagMatches(call.request.headers['if-none-match'], served.etag)) {
    call.response.writeHead(304, headers);
    call.response.end();
    return;
  }
  call.response.writeHead(200, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': served.body.length });
  call.response.end(served.body);
}

export async function postHeartbeat(context: HandlerContext, call: GatewayRequest): Promise<void> {
  if (!authenticate(context, call)) return;
  const parsed = HeartbeatSchema.safeParse(await readJsonBody(call.request, BODY_LIMIT_BYTES));
  if (!parsed.success) {
    sendError(call.response, 400, 'InvalidRequest', `not a heartbeat: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
    return;
  }
  const isNew = !context.instances.list(call.gateway).some((instance) => instance.instanceId === parsed.data.instanceId);
  context.instances.record(call.gateway, parsed.data, context.now());
  if (isNew) context.logger.info({ gateway: call.gateway, instanceId: parsed.data.instanceId, hostname: parsed.data.hostname, configRevision: parsed.data.configRevision }, 'gateway instance reported');
  call.response.writeHead(204);
  call.response.end();
}

export function getInstances(context: HandlerContext, call: GatewayRequest): void {
  if (!authenticate(context, call)) return;
  sendJson(call.response, 200, { gateway: call.gateway, instances: context.instances.list(call.gateway) });
}

/** Regenerating one key needs a token signed with the other, so the caller cannot lock itself out with the key it is replacing. */
export async function regenerateKey(context: HandlerContext, call: GatewayRequest, kind: KeyType): Promise<void> {
  const signedWith = authenticate(context, call);
  if (!signedWith) return;
  if (signedWith === kind) {
    const other = kind === 'primary' ? 'secondary' : 'primary';
    sendError(call.response, 403, 'OtherKeyRequired', `regenerating the ${kind} key needs a token signed with the ${other} key`);
    return;
  }
  await context.keys.regenerate(call.gateway, kind);
  context.logger.info({ gateway: call.gateway, keyType: kind }, 'gateway key regenerated: tokens signed with the old key are refused from now on');
  call.response.writeHead(204);
  call.response.end();
}

/** A fresh token for a caller holding a valid one (`token renew --from-endpoint`): same key as the caller's unless keyType says otherwise. */
export async function issueToken(context: HandlerContext, call: GatewayRequest): Promise<void> {
  const signedWith = authenticate(context, call);
  if (!signedWith) return;
  const parsed = TokenRequestSchema.safeParse((await readJsonBody(call.request, BODY_LIMIT_BYTES)) ?? {});
  if (!parsed.success) {
    sendError(call.response, 400, 'InvalidRequest', `expected {"keyType"?: "primary"|"secondary", "expiry"?: ISO 8601 date}: ${z.prettifyError(parsed.error).replaceAll('\n', ' ')}`);
    return;
  }
  const now = context.now();
  const keyType = parsed.data.keyType ?? signedWith;
  const expiry = parsed.data.expiry === undefined ? new Date(now.getTime() + MAX_TOKEN_LIFETIME_MS) : new Date(parsed.data.expiry);
  let value: string;
  try {
    value = createToken(call.gateway, context.keys.get(call.gateway)![keyType], expiry, now);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    sendError(call.response, 400, 'InvalidRequest', error.message);
    return;
  }
  const issued = parseToken(value);
  context.logger.info({ gateway: call.gateway, keyType, expiry: issued.expiry.toISOString() }, 'gateway token issued');
  sendJson(call.response, 200, { value, keyType, expiry: issued.expiry.toISOString() });
}
