import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import type { LoadedConfig } from '../config/loaded.ts';
import type { Product } from '../config/model.ts';
import type { Settings } from '../settings/schema.ts';
import type { Logger } from '../telemetry/logger.ts';
import { backendHeaders, classifyFailure, Forwarder, type BackendFailure } from './forward.ts';
import { MESSAGES, sendGatewayError, sendKeyInvalid, sendKeyMissing, sendNotFound } from './responses.ts';
import { Router, type CompiledApi } from './router.ts';
import { SubscriptionIndex } from './subscription.ts';
import { compilePolicies, type CompiledPolicies, type PolicyPlan } from '../policy/compile.ts';
import { PolicyFailure } from '../policy/failure.ts';
import { executeOnError, executePlan } from '../policy/pipeline.ts';
import type { RequestContext } from '../policy/context/request-context.ts';
import { secretScrubber } from '../policy/secrets.ts';
import { workerStateStore } from '../state/worker-state.ts';
import { ContextViews, createRequestContext, writeResponse } from './policy-request.ts';
import { ClientCertificates } from '../tls/client-certificate.ts';
import { HttpsListener, type HttpsSettings } from '../tls/https-listener.ts';
import { backendTlsByOrigin, baseBackendTls, type BackendTlsSettings } from '../tls/backend-tls.ts';
import { clientIp, headerValue, keyQueryPattern, withoutParameter } from './incoming.ts';
import { requestRecord, type RequestState } from './finished-request.ts';
import { requestChannel, tracePropagation } from '../telemetry/request-record.ts';
import { untracedBackendTraceparent } from '../telemetry/trace-headers.ts';

const STATUS_PATH = '/status-0123456789abcdef';

/** LastError.Message when no operation matches. */
const OPERATION_NOT_FOUND = 'Unable to match incoming request to an operation.';

/** What one applied snapshot compiles to; swapped as one reference so a request sees one config from start to end. */
interface Compiled {
  router: Router;
  subscriptions: SubscriptionIndex;
  policies: CompiledPolicies;
  views: ContextViews;
  /** LastError messages may quote expression results built from secret named values. */
  scrub: (text: string) => string;
  /** Any API's key query parameter, for the log line of a request that matched no API. */
  anyKeyInUrl: RegExp;
  revision: string | undefined;
  hash: string;
}

/** LastError messages of backend failures; the Timeout text is the one APIM gateways log. */
const BACKEND_FAILURE_MESSAGES: Record<BackendFailure, string> = {
  Timeout: 'Request to the backend service timed out',
  BackendConnectionFailure: 'Failed to connect to the backend service',
  ClientConnectionFailure: 'The client closed the connection',
};

/** With gateway.backendFailure.statusCodes=proxy: what nginx, Kong and Envoy answer. APIM answers 500 to both. */
const PROXY_FAILURE_STATUS = { Timeout: 504, BackendConnectionFailure: 502 } as const;

type DataPlaneSettings = Pick<Settings,
  | 'net.server.http.forwarded.proto.enabled' | 'net.server.http.maxHeaderSize' | 'net.server.http.requestTimeout'
  | 'net.server.http.keepAliveTimeout' | 'net.client.timeout' | 'net.client.connections' | 'gateway.subscriptionKey.forward'
  | 'gateway.backendFailure.statusCodes' | 'gateway.name'> & HttpsSettings & BackendTlsSettings;

/** The most of a message body a policy may read into memory. */
const BODY_LIMIT_BYTES = 16 * 1024 * 1024;

/**
 * The HTTP data plane of one process: matches each request to an API and
 * operation, checks its subscription key and streams it to the backend.
 */
export class DataPlane {
  readonly server: http.Server;
  /** The HTTPS data port; the worker binds it only when certificates are configured. */
  readonly https: HttpsListener;
  #compiled: Compiled | undefined;
  #draining = false;
  #inFlight = 0;
  #idle: (() => void) | undefined;
  readonly #forwarder: Forwarder;
  readonly #logger: Logger;
  readonly #forwardKey: boolean;
  readonly #trustForwardedProto: boolean;
  readonly #proxyFailureStatus: boolean;
  readonly #settings: DataPlaneSettings;
  readonly #backendTls: ConnectionOptions;

  constructor(settings: DataPlaneSettings, logger: Logger) {
    this.#logger = logger;
    this.#settings = settings;
    this.#forwardKey = settings['gateway.subscriptionKey.forward'];
    this.#trustForwardedProto = settings['net.server.http.forwarded.proto.enabled'];
    this.#proxyFailureStatus = settings['gateway.backendFailure.statusCodes'] === 'proxy';
    this.#backendTls = baseBackendTls(settings);
    this.#forwarder = new Forwarder({ connections: settings['net.client.connections'], timeoutSeconds: settings['net.client.timeout'], tls: this.#backendTls });
    this.server = http.createServer({
      maxHeaderSize: settings['net.server.http.maxHeaderSize'],
      requestTimeout: settings['net.server.http.requestTimeout'] * 1000,
      keepAliveTimeout: settings['net.server.http.keepAliveTimeout'] * 1000,
    }, (req, res) => this.#handle(req, res));
    this.server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => this.#refuseMalformed(error, socket));
    this.https = new HttpsListener(settings, logger, (req, res) => this.#handle(req, res), (error, socket) => this.#refuseMalformed(error, socket));
  }

  get ready(): boolean {
    return this.#compiled !== undefined && !this.#draining;
  }

  get revision(): string | undefined {
    return this.#compiled?.revision;
  }

  /** Compiles and swaps in a snapshot; the same hash as the one serving is not re-applied. Returns whether anything changed. */
  apply(config: LoadedConfig): boolean {
    if (this.#compiled?.hash === config.hash) return false;
    const { snapshot } = config;
    this.https.apply(snapshot);
    this.#forwarder.configureBackends(backendTlsByOrigin(snapshot, this.#backendTls, this.#logger));
    this.#compiled = {
      router: new Router(snapshot),
      subscriptions: new SubscriptionIndex(snapshot),
      policies: compilePolicies(snapshot, {
        snapshot,
        backends: new Map(snapshot.backends.map((backend) => [backend.id, backend])),
        forwarder: this.#forwarder,
        logger: this.#logger,
        store: workerStateStore(),
        backendTimeoutSeconds: this.#settings['net.client.timeout'],
        bodyLimitBytes: BODY_LIMIT_BYTES,
      }, undefined, config.policySources),
      views: new ContextViews(snapshot, this.#settings['gateway.name'], new ClientCertificates(this.https.certificates.authorities)),
      scrub: secretScrubber(snapshot),
      anyKeyInUrl: keyQueryPattern(snapshot.apis.map((api) => api.subscriptionKeyParameterNames.query)),
      revision: config.snapshot.revision,
      hash: config.hash,
    };
    return true;
  }

  /** Stops accepting, lets in-flight requests finish (up to the timeout), then closes what is left. */
  async drain(timeoutSeconds: number): Promise<void> {
    this.#draining = true;
    const closed = Promise.all([new Promise<void>((resolve) => this.server.close(() => resolve())), this.https.close()]);
    this.server.closeIdleConnections();
    this.https.closeIdleConnections();
    if (this.#inFlight > 0) {
      const idle = new Promise<void>((resolve) => (this.#idle = resolve));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutSeconds * 1000)));
      await Promise.race([idle, timedOut]);
      clearTimeout(timer);
      if (this.#inFlight > 0) this.#logger.warn({ inFlight: this.#inFlight }, 'shutdown timeout reached; closing remaining connections');
    }
    this.server.closeAllConnections();
    this.https.closeAllConnections();
    await closed;
    await this.#forwarder.close();
  }

  /** The backend connection pools of this worker, for /metrics. */
  upstreamPoolStats(): ReturnType<Forwarder['poolStats']> {
    return this.#forwarder.poolStats();
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    if (url === STATUS_PATH) {
      // The reason phrase is what APIM's status endpoint answers; probes that read it keep working.
      if (this.ready) res.writeHead(200, 'Service Operational');
      else res.writeHead(503, 'Service Unavailable');
      res.end();
      return;
    }
    const compiled = this.#compiled;
    const started = performance.now();
    const record: RequestState = { correlationId: randomUUID() };
    const beginTrace = tracePropagation.begin;
    if (beginTrace !== undefined) record.trace = beginTrace(headerValue(req, 'traceparent'));
    this.#inFlight++;
    if (this.#draining) res.setHeader('connection', 'close');
    // Node may detach the socket from req before 'close'; the record still needs its address and byte counts.
    const socket = req.socket;
    res.once('close', () => this.#finish(req, socket, res, record, started));
    if (!compiled) {
      sendGatewayError(res, 503, 'Service unavailable: no configuration loaded yet', record.correlationId);
      return;
    }

    const queryAt = url.indexOf('?');
    const path = queryAt === -1 ? url : url.slice(0, queryAt);
    const queryString = queryAt === -1 ? '' : url.slice(queryAt + 1);
    const query = queryString === '' ? undefined : new URLSearchParams(queryString);
    const scheme = this.#scheme(req);
    const match = compiled.router.match({ path, query, method: req.method ?? 'GET', scheme, header: (name) => headerValue(req, name) });
    if (!match) {
      this.#unmatched(req, res, record, compiled, { path, scheme, queryString, query });
      return;
    }
    record.match = match;
    const { api } = match;
    const headerKey = headerValue(req, api.keyHeader);
    const queryKey = headerKey === undefined ? query?.get(api.keyQuery) ?? undefined : undefined;
    const verdict = compiled.subscriptions.check(api, headerKey ?? queryKey);
    record.verdict = verdict;
    if (!verdict.ok) {
      if (verdict.reason === 'SubscriptionKeyNotFound') {
        record.lastError = { source: 'authorization', reason: verdict.reason, message: MESSAGES.keyMissing, section: 'inbound' };
        sendKeyMissing(res, `${scheme}://${req.headers.host ?? ''}/${api.api.path.replace(/^\/+/, '')}`, api.api.subscriptionKeyParameterNames.header);
      } else {
        record.lastError = { source: 'authorization', reason: verdict.reason, message: MESSAGES.keyInvalid, section: 'inbound' };
        sendKeyInvalid(res);
      }
      return;
    }
    const { product } = verdict;
    const plan = compiled.policies.plan(api.api.id, match.operation.operation.id, product?.id);
    if (!plan.passthrough) {
      this.#runPolicies(req, res, record, compiled, plan, { path, scheme, queryString, queryKey, query, product });
      return;
    }
    if (!api.backend) {
      record.lastError = { source: 'configuration', reason: 'BackendNotConfigured', message: `API ${api.api.id} has no serviceUrl`, section: 'backend' };
      sendGatewayError(res, 500, MESSAGES.internal, record.correlationId);
      return;
    }

    let backendQuery = queryString;
    if (queryKey !== undefined && !this.#forwardKey) {
      query!.delete(api.keyQuery);
      backendQuery = query!.toString();
    }
    const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
    const backend = {
      origin: api.backend.origin,
      path: `${api.backend.basePath}${match.backendPath || (api.backend.basePath ? '' : '/')}${backendQuery ? `?${backendQuery}` : ''}`,
      method: req.method ?? 'GET',
      headers: backendHeaders(req, {
        backendHost: api.backend.host,
        clientIp: clientIp(req),
        scheme,
        dropHeader: this.#forwardKey ? undefined : api.keyHeader,
        traceparent: backendTraceparent(req, record),
      }),
      body: hasBody ? req : null,
    };
    record.backend = backend;
    const backendStartedAt = performance.now();
    record.backendStartedAt = backendStartedAt;
    this.#forwarder.forward(backend, res, record, backendStartedAt).catch((error: unknown) => this.#backendFailed(error, res, record));
  }

  /**
   * No operation matched: a CORS preflight goes to the cors policies of the
   * operation it asks about; a request for a known API runs that API's
   * on-error policies (APIM does); anything else is the plain 404.
   */
  #unmatched(req: IncomingMessage, res: ServerResponse, record: RequestState, compiled: Compiled,
    request: { path: string; scheme: 'http' | 'https'; queryString: string; query: URLSearchParams | undefined }): void {
    const { path, scheme, queryString, query } = request;
    // A CORS preflight needs no OPTIONS operation: the cors policy of the operation it asks about answers it.
    const asked = req.method === 'OPTIONS' && req.headers.origin !== undefined ? headerValue(req, 'access-control-request-method') : undefined;
    const preflight = asked ? compiled.router.match({ path, query, method: asked, scheme, header: (name) => headerValue(req, name) }) : undefined;
    if (preflight) {
      record.match = preflight;
      record.verdict = { ok: true };
      const plan = compiled.policies.plan(preflight.api.api.id, preflight.operation.operation.id, undefined);
      // Only the cors policies answer a preflight: it carries no key, so nothing else may run for it.
      const inboundOnly = { ...plan, inbound: plan.inbound.filter((step) => step.origin.policy === 'cors'), backend: [], outbound: [], onError: [], passthrough: false, streamable: false };
      this.#runPolicies(req, res, record, compiled, inboundOnly, { path, scheme, queryString, queryKey: undefined, query, product: undefined, preflight: true });
      return;
    }
    const api = compiled.router.matchApi({ path, query, method: req.method ?? 'GET', scheme, header: (name) => headerValue(req, name) });
    const apiPlan = api ? compiled.policies.apiPlan(api.api.id, undefined) : undefined;
    if (api && apiPlan && apiPlan.onError.length > 0) {
      this.#runOnError(req, res, record, compiled, api, apiPlan, { path, scheme, queryString });
      return;
    }
    record.lastError = { source: 'configuration', reason: 'OperationNotFound', message: OPERATION_NOT_FOUND, section: 'inbound' };
    sendNotFound(res);
  }

  #runPolicies(req: IncomingMessage, res: ServerResponse, record: RequestState, compiled: Compiled, plan: PolicyPlan,
    request: { path: string; scheme: 'http' | 'https'; queryString: string; queryKey: string | undefined; query: URLSearchParams | undefined; product: Product | undefined; preflight?: boolean }): void {
    const match = record.match!;
    const verdict = record.verdict!;
    let backendQuery = request.queryString;
    if (request.queryKey !== undefined && !this.#forwardKey) {
      request.query!.delete(match.api.keyQuery);
      backendQuery = request.query!.toString();
    }
    const context = createRequestContext({
      req,
      api: match.api,
      params: match.params,
      backendPath: match.backendPath,
      route: compiled.views.route(match, request.product, verdict.ok ? verdict.owner : undefined),
      scheme: request.scheme,
      path: request.path,
      backendQuery,
      originalQuery: request.queryString,
      dropHeader: this.#forwardKey ? undefined : match.api.keyHeader,
      clientIp: clientIp(req),
      requestId: record.correlationId,
      bodyLimitBytes: BODY_LIMIT_BYTES,
      clientCertificates: compiled.views.clientCertificates,
      clientGone: (onGone) => {
        if (res.destroyed && !res.writableFinished) onGone();
        else res.once('close', () => res.writableFinished || onGone());
      },
    });
    record.context = context;
    context.traceparent = backendTraceparent(req, record);
    if (plan.streamable) context.directResponse = res;
    executePlan(plan, context, { proxyFailureStatus: this.#proxyFailureStatus })
      .then(() => {
        if (context.responded) return;
        if (request.preflight && !context.ended && context.lastError === null) {
          // No cors policy answered the preflight: there is no OPTIONS operation to give it to.
          context.lastError = { Source: 'configuration', Reason: 'OperationNotFound', Message: OPERATION_NOT_FOUND, Scope: '', Section: '', Path: '', PolicyId: '' };
          sendNotFound(res);
          return;
        }
        // The backend failed halfway through a streamed response: nothing sensible can follow its first bytes.
        if (res.headersSent) res.destroy();
        else this.#respond(context, req, res, record);
      })
      .catch((error: unknown) => {
        this.#logger.debug({ correlationId: record.correlationId, err: error }, 'response to the client failed');
        res.destroy();
      });
  }

  /**
   * No operation of the API matched: as APIM does, the API's (and global)
   * on-error policies run with LastError OperationNotFound and the 404 prepared.
   */
  #runOnError(req: IncomingMessage, res: ServerResponse, record: RequestState, compiled: Compiled, api: CompiledApi, plan: PolicyPlan,
    request: { path: string; scheme: 'http' | 'https'; queryString: string }): void {
    const context = createRequestContext({
      req,
      api,
      params: [],
      backendPath: undefined,
      route: compiled.views.apiRoute(api),
      scheme: request.scheme,
      path: request.path,
      backendQuery: this.#forwardKey ? request.queryString : withoutParameter(request.queryString, api.keyQuery),
      originalQuery: request.queryString,
      // As on the normal path, policies never see the subscription key unless it is forwarded.
      dropHeader: this.#forwardKey ? undefined : api.keyHeader,
      clientIp: clientIp(req),
      requestId: record.correlationId,
      bodyLimitBytes: BODY_LIMIT_BYTES,
      clientCertificates: compiled.views.clientCertificates,
      clientGone: () => {},
    });
    record.context = context;
    const notFound = new PolicyFailure(404, 'OperationNotFound', MESSAGES.notFound, { lastErrorMessage: OPERATION_NOT_FOUND });
    executeOnError(plan, context, notFound, { proxyFailureStatus: this.#proxyFailureStatus })
      .then(() => this.#respond(context, req, res, record))
      .catch((error: unknown) => {
        this.#logger.debug({ correlationId: record.correlationId, err: error }, 'response to the client failed');
        res.destroy();
      });
  }

  #backendFailed(error: unknown, res: ServerResponse, record: RequestState): void {
    const reason = classifyFailure(error);
    const message = BACKEND_FAILURE_MESSAGES[reason];
    record.lastError = { source: 'forward-request', reason, message, section: 'backend' };
    record.responseReadyAt = performance.now();
    this.#logger.debug({ correlationId: record.correlationId, err: error }, 'backend request failed');
    if (res.headersSent || reason === 'ClientConnectionFailure') {
      res.destroy();
      return;
    }
    if (this.#proxyFailureStatus) sendGatewayError(res, PROXY_FAILURE_STATUS[reason], message, record.correlationId);
    else sendGatewayError(res, 500, MESSAGES.internal, record.correlationId);
  }

  #scheme(req: IncomingMessage): 'http' | 'https' {
    if (this.#trustForwardedProto) {
      const forwarded = req.headers['x-forwarded-proto'];
      if (forwarded === 'https' || forwarded === 'http') return forwarded;
    }
    return 'encrypted' in req.socket && req.socket.encrypted ? 'https' : 'http';
  }

  /** Sends the response the policies left in context, noting when it was ready for the request record. */
  #respond(context: RequestContext, req: IncomingMessage, res: ServerResponse, record: RequestState): void {
    if (requestChannel.hasSubscribers) record.responseReadyAt = performance.now();
    writeResponse(context, req, res);
  }

  /** The request is over (response sent or client gone): one record for the telemetry subscribers, built only when there are some. */
  #finish(req: IncomingMessage, socket: Socket, res: ServerResponse, record: RequestState, started: number): void {
    this.#inFlight--;
    if (this.#inFlight === 0 && this.#idle) this.#idle();
    if (requestChannel.hasSubscribers) requestChannel.publish(requestRecord(req, socket, res, record, started, this.#compiled));
  }

  /** Requests Node's parser refuses never reach a handler: answer them plainly and close. */
  #refuseMalformed(error: NodeJS.ErrnoException, socket: Socket): void {
    this.#logger.debug({ code: error.code, remote: socket.remoteAddress }, 'malformed request refused');
    if (!socket.writable) {
      socket.destroy();
      return;
    }
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large'
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
}

/** What the backend call sends as traceparent: the tracing module's backend span, or (tracing off) the client's trace continued. */
function backendTraceparent(req: IncomingMessage, record: RequestState): string {
  return record.trace?.backendTraceparent ?? untracedBackendTraceparent(headerValue(req, 'traceparent'));
}
