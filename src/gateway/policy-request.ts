import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Product, Snapshot, Subscription } from '../config/model.ts';
import { MessageBody } from '../policy/context/body.ts';
import { HostDictionary } from '../policy/context/dictionary.ts';
import { HeaderDictionary, RequestMessage, ResponseMessage } from '../policy/context/message.ts';
import { RequestContext, type ClientGoneWatcher, type RouteContext } from '../policy/context/request-context.ts';
import { MessageUrl, QueryDictionary, defaultPort } from '../policy/context/url.ts';
import {
  apiView, deploymentView, operationView, productView, subscriptionViews,
  type ApiView, type DeploymentView, type OperationView, type ProductView, type SubscriptionView,
} from '../policy/context/views.ts';
import type { ClientCertificates } from '../tls/client-certificate.ts';
import { connectionListed, HOP_BY_HOP } from './forward.ts';
import type { CompiledOperation, MatchedParameters } from './operation-matcher.ts';
import type { CompiledApi, RouteMatch } from './router.ts';
import type { KeyOwner } from './subscription.ts';


/**
 * The context model's entity views for one snapshot, built when it is
 * applied and looked up by object identity per request.
 */
export class ContextViews {
  readonly deployment: DeploymentView;
  readonly clientCertificates: ClientCertificates;
  readonly #apis = new Map<CompiledApi['api'], ApiView>();
  readonly #operations = new Map<CompiledOperation, OperationView>();
  readonly #products = new Map<Product, ProductView>();
  readonly #subscriptions = new Map<Subscription, { primary?: SubscriptionView; secondary?: SubscriptionView }>();

  constructor(snapshot: Snapshot, gatewayId: string, clientCertificates: ClientCertificates) {
    this.deployment = deploymentView(gatewayId, '', '');
    this.clientCertificates = clientCertificates;
    const byId = new Map<string, ApiView>();
    for (const api of snapshot.apis) {
      const view = apiView(api);
      this.#apis.set(api, view);
      byId.set(api.id, view);
    }
    for (const product of snapshot.products) {
      this.#products.set(product, productView(product, product.apis.flatMap((id) => byId.get(id) ?? [])));
    }
    for (const subscription of snapshot.subscriptions) this.#subscriptions.set(subscription, subscriptionViews(subscription));
  }

  /** The route of a request for an API none of whose operations matched. */
  apiRoute(api: CompiledApi): RouteContext {
    return { api: this.#apis.get(api.api)!, operation: null, product: null, subscription: null, deployment: this.deployment };
  }

  route(match: RouteMatch, product: Product | undefined, owner: KeyOwner | undefined): RouteContext {
    let operation = this.#operations.get(match.operation);
    if (!operation) {
      operation = operationView(match.operation.operation);
      this.#operations.set(match.operation, operation);
    }
    const subscription = owner ? this.#subscriptions.get(owner.subscription)?.[owner.slot] ?? null : null;
    return {
      api: this.#apis.get(match.api.api)!,
      operation,
      product: product ? this.#products.get(product) ?? null : null,
      subscription,
      deployment: this.deployment,
    };
  }
}

export interface IncomingRequestParts {
  req: IncomingMessage;
  api: CompiledApi;
  /** Template parameters of the matched operation (none when no operation matched). */
  params: MatchedParameters;
  /** Path after the API's, for the backend URL; undefined when no operation matched (Url is then the URL as received). */
  backendPath: string | undefined;
  route: RouteContext;
  scheme: 'http' | 'https';
  path: string;
  /** Query without the subscription key when the key is not forwarded. */
  backendQuery: string;
  originalQuery: string;
  dropHeader: string | undefined;
  clientIp: string;
  requestId: string;
  bodyLimitBytes: number;
  clientGone: ClientGoneWatcher;
  clientCertificates: ClientCertificates;
}

/** Builds the request's RequestContext: Url is the backend URL, OriginalUrl what the client sent. */
export function createRequestContext(parts: IncomingRequestParts): RequestContext {
  const { req, backendPath } = parts;
  const backend = parts.api.backend;
  const query = QueryDictionary.parse(parts.backendQuery);
  const hostHeader = req.headers.host ?? '';
  const originalUrl = new MessageUrl(parts.scheme, hostOf(hostHeader), portOf(hostHeader, `${parts.scheme}://`), '', parts.path, QueryDictionary.parse(parts.originalQuery));
  let url: MessageUrl;
  if (backendPath === undefined) url = originalUrl.clone();
  else if (backend) url = new MessageUrl(backend.scheme, backend.hostname, backend.port, backend.basePath, backendPath, query);
  else url = new MessageUrl(parts.scheme, '', defaultPort(parts.scheme), '', backendPath, query);
  const drop = parts.dropHeader;
  // Connection-specific fields (and Host: the backend gets its own) are never part of context.Request.Headers.
  const listed = connectionListed(req.headers.connection);
  const headers = HeaderDictionary.fromRaw(req.rawHeaders, (name) => HOP_BY_HOP.has(name) || name === 'host' || name === drop || listed?.has(name) === true);
  const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
  const matchedParameters = new HostDictionary<string>(true);
  for (const [name, value] of parts.params) matchedParameters.set(name, value);
  const request = new RequestMessage({
    method: req.method ?? 'GET',
    url,
    originalUrl,
    headers,
    body: hasBody ? new MessageBody(req, parts.bodyLimitBytes) : null,
    ipAddress: parts.clientIp,
    matchedParameters,
    socket: req.socket,
    clientCertificates: parts.clientCertificates,
  });
  return new RequestContext({ request, response: new ResponseMessage(), route: parts.route, requestId: parts.requestId, clientGone: parts.clientGone });
}

function hostOf(hostAndPort: string): string {
  if (hostAndPort.startsWith('[')) return hostAndPort.slice(0, hostAndPort.indexOf(']') + 1);
  const colon = hostAndPort.lastIndexOf(':');
  return colon === -1 ? hostAndPort : hostAndPort.slice(0, colon);
}

function portOf(hostAndPort: string, origin: string): number {
  const colon = hostAndPort.lastIndexOf(':');
  if (colon !== -1 && !hostAndPort.endsWith(']')) {
    const port = Number(hostAndPort.slice(colon + 1));
    if (Number.isInteger(port)) return port;
  }
  return defaultPort(origin.slice(0, origin.indexOf(':')));
}

/** Sends context.Response to the client: buffered bodies with their length, streams piped as they come. */
export function writeResponse(context: RequestContext, req: IncomingMessage, res: ServerResponse): void {
  const { response } = context;
  const body = response.body?.forwardable ?? null;
  const raw = response.headers.toRaw();
  const headers: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const lower = raw[i]!.toLowerCase();
    if (lower === 'transfer-encoding' || lower === 'connection' || (lower === 'content-length' && (body === null || Buffer.isBuffer(body)))) continue;
    headers.push(raw[i]!, raw[i + 1]!);
  }
  const noBody = req.method === 'HEAD' || response.statusCode === 204 || response.statusCode === 304;
  if (body === null || Buffer.isBuffer(body)) {
    // RFC 9110 §8.6: no Content-Length on 204 and 304.
    if (response.statusCode !== 204 && response.statusCode !== 304) headers.push('content-length', String(body?.length ?? 0));
    res.writeHead(response.statusCode, response.statusReason, headers);
    res.end(noBody ? undefined : body ?? undefined);
    return;
  }
  res.writeHead(response.statusCode, response.statusReason, headers);
  const stream = body as Readable;
  if (noBody) {
    stream.resume();
    res.end();
    return;
  }
  // pipe, not stream.pipeline: this is the hot path and pipe costs far less per response.
  stream.once('error', () => res.destroy());
  res.once('close', () => {
    if (!stream.readableEnded) stream.destroy();
  });
  stream.pipe(res);
}
