import type { ServerResponse } from 'node:http';

/**
 * Gateway-generated error responses, byte for byte as APIM sends them
 * (APIM-REFERENCE §1.1): `{ "statusCode": N, "message": "…" }` on one line.
 * The fixed ones are rendered once at start-up.
 */

export const MESSAGES = {
  keyMissing: 'Access denied due to missing subscription key. Make sure to include subscription key when making requests to this API.',
  keyInvalid: 'Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription.',
  notFound: 'Resource not found',
  internal: 'Internal server error',
} as const;

export function errorBody(statusCode: number, message: string, activityId?: string): string {
  const base = `{ "statusCode": ${statusCode}, "message": ${JSON.stringify(message)}`;
  return activityId === undefined ? `${base} }` : `${base}, "activityId": ${JSON.stringify(activityId)} }`;
}

const PRERENDERED = {
  keyInvalid: Buffer.from(errorBody(401, MESSAGES.keyInvalid)),
  keyMissing: Buffer.from(errorBody(401, MESSAGES.keyMissing)),
  notFound: Buffer.from(errorBody(404, MESSAGES.notFound)),
};

function send(res: ServerResponse, statusCode: number, body: Buffer | string, extraHeaders?: Record<string, string>): void {
  res.statusCode = statusCode;
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', Buffer.byteLength(body));
  if (extraHeaders) for (const name in extraHeaders) res.setHeader(name, extraHeaders[name]!);
  res.end(body);
}

export function sendNotFound(res: ServerResponse): void {
  send(res, 404, PRERENDERED.notFound);
}

/** 401 for a missing key; the challenge names the API and the header the key goes in. */
export function sendKeyMissing(res: ServerResponse, realm: string, headerName: string): void {
  send(res, 401, PRERENDERED.keyMissing, {
    'www-authenticate': `AzureApiManagementKey realm="${realm}",name="${headerName}",type="header"`,
  });
}

export function sendKeyInvalid(res: ServerResponse): void {
  send(res, 401, PRERENDERED.keyInvalid);
}

/** A gateway-side failure: the activityId lets an operator find the request's log line. */
export function sendGatewayError(res: ServerResponse, statusCode: number, message: string, activityId: string): void {
  send(res, statusCode, errorBody(statusCode, message, activityId));
}
