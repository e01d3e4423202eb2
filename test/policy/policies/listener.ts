import http from 'node:http';
import type { Logger } from 'pino';
import { createEchoServer } from '../../../examples/echo-backend.ts';
import { ApimgwError } from '../../../src/errors.ts';
import { DataPlane } from '../../../src/gateway/data-plane.ts';
import { createLogger } from '../../../src/telemetry/logger.ts';
import { configFromYaml, DATA_PLANE_SETTINGS, listen, type EchoAnswer } from '../../helpers.ts';

/**
 * Policies through the real listener: one DataPlane on 127.0.0.1 port 0 from
 * a snapshot whose APIs carry the policy XML a test passes, in front of a real
 * local backend (the example echo server, or a handler of the test's own).
 * The snapshot is written as JSON, which YAML reads as it is.
 */

export type { EchoAnswer };

export interface ListenerApi {
  /** The API's path; also its id unless `id` is given. */
  path: string;
  id?: string;
  /** The API-scope policy document. */
  policy?: string;
  serviceUrl?: string;
  subscriptionRequired?: boolean;
  /** Default: GET, POST, PUT and DELETE on `/*`, ids `get`, `post`, …. */
  operations?: readonly Record<string, unknown>[];
}

export interface ListenerSnapshot {
  apis: readonly ListenerApi[];
  /** The global policy document. */
  policy?: string;
  backends?: readonly Record<string, unknown>[];
  policyFragments?: readonly { id: string; policy: string }[];
  products?: readonly Record<string, unknown>[];
  subscriptions?: readonly Record<string, unknown>[];
  namedValues?: readonly Record<string, unknown>[];
}

export interface Listener {
  readonly url: string;
  readonly plane: DataPlane;
  close(): Promise<void>;
}

const SETTINGS = { ...DATA_PLANE_SETTINGS, 'gateway.name': 'listener-test' } as const;

const DEFAULT_OPERATIONS = ['GET', 'POST', 'PUT', 'DELETE'].map((method) => ({ id: method.toLowerCase(), method, urlTemplate: '/*' }));

/** `<policies>` with the given inbound policies (backend/outbound inherit the default global forward-request). */
export function inbound(xml: string, rest = ''): string {
  return `<policies><inbound>${xml}</inbound>${rest}</policies>`;
}

/** `logger`: where the gateway logs (trace, log-to-eventhub, request lines); silent by default. */
export async function startListener(snapshot: ListenerSnapshot, logger?: Logger): Promise<Listener> {
  const document = {
    ...snapshot,
    apis: snapshot.apis.map((api) => ({
      id: api.id ?? api.path,
      path: api.path,
      subscriptionRequired: api.subscriptionRequired ?? false,
      ...(api.serviceUrl === undefined ? {} : { serviceUrl: api.serviceUrl }),
      ...(api.policy === undefined ? {} : { policy: api.policy }),
      operations: api.operations ?? DEFAULT_OPERATIONS,
    })),
  };
  const plane = new DataPlane(SETTINGS, logger ?? createLogger({ 'telemetry.logs.std': 'none', 'telemetry.logs.std.level': 'info' }));
  try {
    plane.apply(configFromYaml(JSON.stringify(document)));
  } catch (error) {
    // The compile errors themselves, not just their count.
    if (error instanceof ApimgwError) throw new Error(`${error.message}:\n${error.details.join('\n')}`, { cause: error });
    throw error;
  }
  const url = `http://127.0.0.1:${await listen(plane.server)}`;
  // A test file whose setup failed half-way still exits instead of waiting on open servers.
  plane.server.unref();
  return { url, plane, close: () => plane.drain(1) };
}

export interface Backend {
  readonly url: string;
  /** Requests received so far. */
  readonly hits: number;
  close(): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A local backend counting its requests: the example echo server unless a handler is given. */
export async function startBackend(handler?: Handler): Promise<Backend> {
  const answer = handler ?? (createEchoServer().listeners('request')[0] as Handler);
  let hits = 0;
  const server = http.createServer((req, res) => {
    hits++;
    answer(req, res);
  });
  const url = `http://127.0.0.1:${await listen(server)}`;
  server.unref();
  return {
    url,
    get hits() {
      return hits;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Sends a request through the listener; the echo backend's answer parsed when the body is JSON. */
export async function send(url: string, init: RequestInit = {}): Promise<{ status: number; statusText: string; headers: Headers; text: string; echo: EchoAnswer | undefined }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let echo: EchoAnswer | undefined;
  if (response.headers.get('x-echo-backend') !== null && text.startsWith('{')) echo = JSON.parse(text) as EchoAnswer;
  return { status: response.status, statusText: response.statusText, headers: response.headers, text, echo };
}
