import type http from 'node:http';

/** Error bodies of the management-plane protocol: a stable code for programs, a message for people. */
export type ProtocolErrorCode =
  | 'TokenExpired' | 'InvalidToken' | 'OtherKeyRequired' | 'GatewayNotFound' | 'ConfigurationUnavailable'
  | 'NotFound' | 'MethodNotAllowed' | 'InvalidRequest' | 'PayloadTooLarge' | 'InternalError';

export function sendJson(response: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  response.end(text);
}

export function sendError(response: http.ServerResponse, status: number, code: ProtocolErrorCode, message: string, headers: Record<string, string> = {}): void {
  sendJson(response, status, { code, message }, headers);
}

export class RequestBodyError extends Error {
  readonly status: number;
  readonly code: ProtocolErrorCode;

  constructor(status: number, code: ProtocolErrorCode, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The JSON body, or undefined when there is none; bounded so a client cannot make the server buffer without end. */
export async function readJsonBody(request: http.IncomingMessage, limitBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new RequestBodyError(413, 'PayloadTooLarge', `the body is larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new RequestBodyError(400, 'InvalidRequest', `the body is not JSON (${(error as Error).message})`);
  }
}

/** Whether an If-None-Match header names this ETag (a list, weak forms and `*` included, as RFC 9110 §13.1.2 compares them). */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  return ifNoneMatch.split(',').some((entry) => {
    const tag = entry.trim();
    return tag === '*' || (tag.startsWith('W/') ? tag.slice(2) : tag) === etag;
  });
}
