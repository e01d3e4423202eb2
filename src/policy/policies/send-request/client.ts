import { STATUS_CODES } from 'node:http';
import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import { HeaderDictionary } from '../../context/message.ts';
import { BackendError } from '../../pipeline.ts';

/**
 * The HTTP client of the policies that call out on their own (send-request,
 * send-one-way-request, validate-jwt's OpenID metadata): one shared undici
 * Agent, which keeps a bounded keep-alive pool per origin, so a policy that
 * calls the same service on every request reuses connections instead of
 * opening one per call.
 */

const CONNECTIONS_PER_ORIGIN = 32;

export const POLICY_HTTP_AGENT: Dispatcher = new Agent({ connections: CONNECTIONS_PER_ORIGIN, keepAliveTimeout: 4_000, pipelining: 1 });

export interface OutgoingRequest {
  url: string;
  method: string;
  /** Flat [name, value, …] list. */
  headers: string[];
  body: Buffer | null;
  timeoutMs: number;
  /** The most of the response body read into memory. */
  maxBodyBytes: number;
  /** Aborts the call (the client went away). */
  signal?: AbortSignal;
  /** Another dispatcher (a client certificate needs its own connections). */
  dispatcher?: Dispatcher;
}

export interface IncomingResponse {
  statusCode: number;
  statusReason: string;
  headers: HeaderDictionary;
  body: Buffer;
}

/** LastError messages, the same forward-request uses. */
const FAILURE_MESSAGES = {
  Timeout: 'Request to the backend service timed out',
  BackendConnectionFailure: 'Failed to connect to the backend service',
  ClientConnectionFailure: 'The client closed the connection',
} as const;

/** Sends a request and reads the whole answer; rejects with a BackendError (APIM's LastError reason and message). */
export async function call(outgoing: OutgoingRequest): Promise<IncomingResponse> {
  const timeout = AbortSignal.timeout(outgoing.timeoutMs);
  const signal = outgoing.signal ? AbortSignal.any([outgoing.signal, timeout]) : timeout;
  try {
    const response = await request(outgoing.url, {
      method: outgoing.method as Dispatcher.HttpMethod,
      headers: outgoing.headers,
      body: outgoing.body,
      signal,
      dispatcher: outgoing.dispatcher ?? POLICY_HTTP_AGENT,
      maxRedirections: 0,
    } as Parameters<typeof request>[1]);
    const body = await readLimited(response.body, outgoing.maxBodyBytes);
    return { statusCode: response.statusCode, statusReason: STATUS_CODES[response.statusCode] ?? '', headers: toHeaderDictionary(response.headers), body };
  } catch (error) {
    if (error instanceof BackendError) throw error;
    const reason = timeout.aborted ? 'Timeout' : outgoing.signal?.aborted || error instanceof undiciErrors.RequestAbortedError ? 'ClientConnectionFailure' : 'BackendConnectionFailure';
    throw new BackendError(reason, FAILURE_MESSAGES[reason], error);
  }
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(error?: Error): unknown }, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      throw new BackendError('BackendConnectionFailure', `The response body exceeds the ${limit} bytes a policy may read into memory`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

function toHeaderDictionary(headers: Record<string, string | string[] | undefined>): HeaderDictionary {
  const dictionary = new HeaderDictionary();
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined) continue;
    dictionary.append(name, Array.isArray(value) ? value : [value]);
  }
  return dictionary;
}
