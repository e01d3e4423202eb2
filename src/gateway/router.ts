import { baseApiId, type Api, type Product, type Snapshot } from '../config/model.ts';
import { defaultPort } from '../policy/context/url.ts';
import { escapeRegExp } from '../text.ts';
import { bySpecificity, compileOperation, matchOperation, type CompiledOperation, type MatchedParameters } from './operation-matcher.ts';

/**
 * The routing table of one snapshot, compiled once when it is applied:
 * API path (longest prefix, case-insensitive) → version (Segment, Query or
 * Header) → revision (`;rev=N`, else the current one) → operation (method +
 * urlTemplate, most specific first).
 */

export interface CompiledApi {
  api: Api;
  /** The id subscriptions and products use: revisions share it. */
  baseId: string;
  /** serviceUrl split once: the backend origin for the connection pool, and the path the request path is appended to. */
  backend?: { origin: string; basePath: string; host: string; scheme: string; hostname: string; port: number };
  operationsByMethod: Map<string, CompiledOperation[]>;
  protocols: ReadonlySet<string>;
  keyHeader: string;
  keyQuery: string;
  /** Finds the key's value in a URL, so the request log can blank it. */
  keyInUrl: RegExp;
  /** Products holding this API, for product-scoped subscriptions. */
  productIds: ReadonlySet<string>;
  /** The product giving context to calls without a key, when the API is in an open product. */
  openProduct?: Product;
}

interface RevisionSet {
  current: CompiledApi;
  byRevision: Map<string, CompiledApi>;
}

interface PathEntry {
  path: string;
  versionSet?: { scheme: 'Segment' | 'Query' | 'Header'; queryName?: string; headerName: string };
  /** Versions by lower-cased identifier. */
  versions: Map<string, RevisionSet>;
  /** The API answering without a version identifier: the unversioned API, or a set's `Original`. */
  unversioned?: RevisionSet;
}

export interface RouteRequest {
  /** Path without query, as received (percent-encoded). */
  path: string;
  query: URLSearchParams | undefined;
  method: string;
  scheme: 'http' | 'https';
  header(name: string): string | undefined;
}

export interface RouteMatch {
  api: CompiledApi;
  operation: CompiledOperation;
  params: MatchedParameters;
  /** Path to append to the backend base path: the request path after the API path, version and revision. */
  backendPath: string;
}

export class Router {
  readonly #paths = new Map<string, PathEntry>();
  /** Distinct API path depths, deepest first, so prefix search probes only lengths that exist. */
  readonly #depths: number[];

  constructor(snapshot: Snapshot) {
    const products = snapshot.products;
    for (const api of snapshot.apis) {
      const key = api.path.replace(/^\/+|\/+$/g, '').toLowerCase();
      let entry = this.#paths.get(key);
      if (!entry) {
        entry = { path: key, versions: new Map() };
        this.#paths.set(key, entry);
      }
      const set = api.apiVersionSet;
      if (set && api.apiVersion) {
        entry.versionSet = { scheme: set.versioningScheme, queryName: set.versionQueryName, headerName: (set.versionHeaderName ?? '').toLowerCase() };
        addRevision(entry.versions, api.apiVersion.toLowerCase(), compileApi(api, products));
      } else {
        entry.unversioned = addRevision(undefined, '', compileApi(api, products), entry.unversioned);
      }
    }
    this.#depths = [...new Set([...this.#paths.keys()].map((p) => (p === '' ? 0 : p.split('/').length)))].sort((a, b) => b - a);
  }

  get apiCount(): number {
    return this.#paths.size;
  }

  match(request: RouteRequest): RouteMatch | undefined {
    const found = this.#findApi(request);
    if (!found) return undefined;
    const { api, remaining } = found;
    const candidates = api.operationsByMethod.get(request.method);
    if (!candidates) return undefined;
    for (const operation of candidates) {
      const params = matchOperation(operation, remaining, request.query);
      if (params) return { api, operation, params, backendPath: remaining.length ? `/${remaining.join('/')}` : '' };
    }
    return undefined;
  }

  /** The API a request is for even when none of its operations matches (its on-error policies still run). */
  matchApi(request: RouteRequest): CompiledApi | undefined {
    return this.#findApi(request)?.api;
  }

  #findApi(request: RouteRequest): { api: CompiledApi; remaining: string[] } | undefined {
    const segments = request.path.split('/');
    segments.shift(); // the empty string before the leading slash
    let revision: string | undefined;
    let revisionDepth = -1;
    for (let i = 0; i < segments.length; i++) {
      const marker = segments[i]!.indexOf(';rev=');
      if (marker !== -1) {
        revision = segments[i]!.slice(marker + 5);
        segments[i] = segments[i]!.slice(0, marker);
        revisionDepth = i + 1;
        break;
      }
    }
    for (const depth of this.#depths) {
      if (depth > segments.length || (revisionDepth !== -1 && depth !== revisionDepth)) continue;
      const entry = this.#paths.get(segments.slice(0, depth).join('/').toLowerCase());
      if (entry) return this.#resolveApi(entry, segments, depth, revision, request);
    }
    return undefined;
  }

  #resolveApi(entry: PathEntry, segments: string[], depth: number, revision: string | undefined, request: RouteRequest): { api: CompiledApi; remaining: string[] } | undefined {
    let rest = depth;
    let revisions: RevisionSet | undefined;
    const versionSet = entry.versionSet;
    if (versionSet) {
      let version: string | undefined | null;
      if (versionSet.scheme === 'Segment') {
        version = segments[depth];
        const found = version === undefined ? undefined : entry.versions.get(version.toLowerCase());
        if (found) {
          revisions = found;
          rest = depth + 1;
        }
      } else {
        version = versionSet.scheme === 'Query' ? request.query?.get(versionSet.queryName!) : request.header(versionSet.headerName);
        if (version) revisions = entry.versions.get(version.toLowerCase());
        if (version && !revisions) return undefined;
      }
    }
    revisions ??= entry.unversioned;
    if (!revisions) return undefined;
    const api = revision === undefined ? revisions.current : revisions.byRevision.get(revision);
    if (!api || !api.api.isOnline || !api.protocols.has(request.scheme)) return undefined;
    const remaining = segments.slice(rest);
    if (remaining.at(-1) === '') remaining.pop();
    return { api, remaining };
  }
}

function addRevision(versions: Map<string, RevisionSet> | undefined, version: string, api: CompiledApi, existing?: RevisionSet): RevisionSet {
  const set = existing ?? versions?.get(version) ?? { current: api, byRevision: new Map() };
  set.byRevision.set(api.api.apiRevision, api);
  if (api.api.isCurrent) set.current = api;
  versions?.set(version, set);
  return set;
}

function compileApi(api: Api, products: readonly Product[]): CompiledApi {
  const baseId = baseApiId(api.id);
  const operationsByMethod = new Map<string, CompiledOperation[]>();
  for (const operation of api.operations) {
    const compiled = compileOperation(operation);
    const list = operationsByMethod.get(compiled.method) ?? [];
    list.push(compiled);
    operationsByMethod.set(compiled.method, list);
  }
  for (const list of operationsByMethod.values()) list.sort(bySpecificity);
  const holding = products.filter((p) => p.apis.some((id) => baseApiId(id) === baseId));
  let backend: CompiledApi['backend'];
  if (api.serviceUrl) {
    const url = new URL(api.serviceUrl);
    const scheme = url.protocol.slice(0, -1);
    backend = {
      origin: url.origin,
      basePath: url.pathname.replace(/\/+$/, ''),
      host: url.host,
      scheme,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : defaultPort(scheme),
    };
  }
  return {
    api,
    baseId,
    backend,
    operationsByMethod,
    protocols: new Set(api.protocols),
    keyHeader: api.subscriptionKeyParameterNames.header.toLowerCase(),
    keyQuery: api.subscriptionKeyParameterNames.query,
    keyInUrl: new RegExp(`([?&]${escapeRegExp(api.subscriptionKeyParameterNames.query)}=)[^&]*`, 'g'),
    productIds: new Set(holding.map((p) => p.id)),
    openProduct: holding.find((p) => !p.subscriptionRequired),
  };
}
