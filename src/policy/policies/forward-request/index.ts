import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { classifyFailure, pushForwardingHeaders, type BackendResponse } from '../../../gateway/forward.ts';
import { MessageBody } from '../../context/body.ts';
import { HeaderDictionary, ResponseMessage } from '../../context/message.ts';
import type { RequestContext } from '../../context/request-context.ts';
import { MessageUrl } from '../../context/url.ts';
import { BackendError, BackendStatusError } from '../../pipeline.ts';
import { backendClientDispatcher } from '../authentication-certificate/agents.ts';
import type { PolicyDefinition } from '../../types.ts';
import { requestIdHeader } from '../../../telemetry/trace-headers.ts';

/** LastError messages of backend failures; the Timeout text is the one APIM gateways log. */
const FAILURE_MESSAGES = {
  Timeout: 'Request to the backend service timed out',
  BackendConnectionFailure: 'Failed to connect to the backend service',
  ClientConnectionFailure: 'The client closed the connection',
} as const;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

/**
 * forward-request: sends context.Request to the backend URL and makes the
 * answer context.Response (body still streaming unless a later policy reads it).
 */
export const forwardRequest: PolicyDefinition = {
  name: 'forward-request',
  sections: ['backend'],
  attributes: ['timeout', 'timeout-ms', 'continue-timeout', 'http-version', 'follow-redirects', 'buffer-request-body', 'buffer-response', 'fail-on-error-status-code'],
  compile(element, compiler) {
    const { forwarder, bodyLimitBytes } = compiler.services;
    const timeoutSeconds = compiler.integer(element, 'timeout', compiler.services.backendTimeoutSeconds);
    const timeoutMs = element.attributes.has('timeout-ms') ? compiler.integer(element, 'timeout-ms') : undefined;
    const followRedirects = compiler.boolean(element, 'follow-redirects', false);
    const failOnErrorStatus = compiler.boolean(element, 'fail-on-error-status-code', false);
    const bufferRequestBody = compiler.optionalLiteral(element, 'buffer-request-body') === 'true';
    compiler.choice(element, 'http-version', ['1', '2or1', '2'], '1');

    const outgoing = (context: RequestContext, url: MessageUrl, method: string, body: Readable | Buffer | null) => ({
      origin: url.origin,
      path: url.pathAndQuery,
      method,
      headers: backendHeaders(context, url, url.origin !== context.request.url.origin),
      body,
      timeoutMs: timeoutMs ? timeoutMs(context) : timeoutSeconds(context) * 1000,
      dispatcher: backendClientDispatcher(context),
    });
    const send = (context: RequestContext, url: MessageUrl, method: string, body: Readable | Buffer | null): Promise<BackendResponse> =>
      forwarder.send(outgoing(context, url, method, body));

    /** No outbound policy will look at the response: stream it straight to the client. */
    const stream = (context: RequestContext, client: ServerResponse): Promise<void> => {
      const { request } = context;
      return forwarder.stream(outgoing(context, request.url, request.method, request.body?.forwardable ?? null), (statusCode, headers, headersAfterMs, startedAt) => {
        context.backendResponded(statusCode, headersAfterMs, startedAt);
        context.responded = true;
        if (context.beforeResponse.length === 0) {
          // Nothing will look at these headers: pass them through as they came.
          context.response = new ResponseMessage(statusCode, STATUS_CODES[statusCode] ?? '');
          client.writeHead(statusCode, headers);
          return client;
        }
        context.response = new ResponseMessage(statusCode, STATUS_CODES[statusCode] ?? '', HeaderDictionary.fromRaw(headers), null);
        context.flushBeforeResponse();
        client.writeHead(statusCode, context.response.headers.toRaw());
        return client;
      }).catch((error: unknown) => {
        const reason = classifyFailure(error);
        throw new BackendError(reason, FAILURE_MESSAGES[reason], error);
      });
    };

    const run = (context: RequestContext): Promise<void> => {
      const client = context.directResponse;
      if (client && !followRedirects(context) && !failOnErrorStatus(context)) return stream(context, client);
      return buffered(context);
    };

    const buffered = async (context: RequestContext): Promise<void> => {
      const { request } = context;
      let url = request.url;
      let method = request.method;
      let body: Readable | Buffer | null = request.body?.forwardable ?? null;
      let response: BackendResponse;
      try {
        response = await send(context, url, method, body);
        for (let hops = 0; followRedirects(context) && REDIRECTS.has(response.statusCode) && hops < MAX_REDIRECTS; hops++) {
          const location = headerOf(response.headers, 'location');
          if (location === undefined) break;
          const resendable = body === null || Buffer.isBuffer(body);
          if (!resendable && response.statusCode !== 303) break;
          response.body.resume();
          url = MessageUrl.parse(new URL(location, url.ToString()).toString());
          if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
            method = 'GET';
            body = null;
          }
          response = await send(context, url, method, body);
        }
      } catch (error) {
        const reason = classifyFailure(error);
        throw new BackendError(reason, FAILURE_MESSAGES[reason], error);
      }
      context.response = new ResponseMessage(
        response.statusCode,
        STATUS_CODES[response.statusCode] ?? '',
        HeaderDictionary.fromRaw(response.headers),
        new MessageBody(response.body, bodyLimitBytes),
      );
      context.backendResponded(response.statusCode, response.headersAfterMs, response.startedAt);
      if (failOnErrorStatus(context) && response.statusCode >= 400 && response.statusCode <= 599) {
        throw new BackendStatusError(response.statusCode);
      }
    };
    return { run, usesBody: bufferRequestBody };
  },
};

function headerOf(raw: readonly string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) if (raw[i] === lowerName) return raw[i + 1];
  return undefined;
}

/**
 * The headers the backend gets: the request's (as policies left them), Host
 * set to the backend unless a policy chose one, and X-Forwarded-For/Host/Proto
 * appended as a proxy does.
 */
/** Credentials meant for the backend that must not follow a redirect to another origin (as browsers and curl do). */
const CREDENTIALS = new Set(['authorization', 'proxy-authorization', 'cookie']);

function backendHeaders(context: RequestContext, url: MessageUrl, redirectedElsewhere = false): string[] {
  const { request } = context;
  const raw = request.headers.toRaw();
  const headers: string[] = [];
  let host: string | undefined;
  let forwardedFor: string | undefined;
  let forwardedHost: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (redirectedElsewhere && CREDENTIALS.has(lower)) continue;
    if ((lower === 'traceparent' || lower === 'request-id') && context.traceparent !== undefined) continue;
    if (lower === 'host') host = redirectedElsewhere ? undefined : raw[i + 1];
    else if (lower === 'x-forwarded-for') forwardedFor = raw[i + 1];
    else if (lower === 'x-forwarded-host') forwardedHost = raw[i + 1];
    else if (lower !== 'x-forwarded-proto' && lower !== 'content-length' && lower !== 'transfer-encoding') headers.push(raw[i]!, raw[i + 1]!);
  }
  const original = request.originalUrl;
  const body = request.body?.forwardable;
  if (Buffer.isBuffer(body)) {
    if (body.length > 0 || request.method !== 'GET') headers.push('content-length', String(body.length));
  } else if (body !== undefined) {
    const length = request.headers.joined('content-length');
    // Without a length undici sends the stream chunked.
    if (length !== undefined) headers.push('content-length', length);
  }
  pushForwardingHeaders(headers, {
    host: host ?? url.origin.slice(url.scheme.length + 3),
    forwardedFor,
    clientIp: request.ipAddress,
    forwardedHost: forwardedHost ?? original.origin.slice(original.scheme.length + 3),
    scheme: original.scheme,
  });
  // The backend's parent is the gateway's backend call, not the client's span.
  if (context.traceparent !== undefined) headers.push('traceparent', context.traceparent, 'request-id', requestIdHeader(context.traceparent));
  return headers;
}
