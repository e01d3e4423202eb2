import type { ApiContract, ApiManagementClient, OperationContract, PolicyContract, ProductContract, SubscriptionContract } from '@azure/arm-apimanagement';
import type { ArmTarget } from './settings.ts';

/**
 * Reads an APIM instance through ARM (api-version 2024-05-01) and maps it onto
 * the snapshot model (DESIGN §3), which follows the same resources: the APIs
 * assigned to the gateway with every revision, their operations and policies,
 * the products and subscriptions that reach them, named values, fragments and
 * backends. List before fetch: one list per collection, then one GET only
 * where ARM keeps the item apart (policies, secret values, subscription keys).
 *
 * ARM has no change feed for policies, and a conditional GET that answers
 * 304 still spends a read from the principal's budget, so a sync reads it all;
 * the poll interval (config.arm.poll.interval) is what keeps that affordable.
 * Gateway hostname certificates are left out: ARM never returns their private
 * keys, so the gateway could not serve them.
 */

type Data = Record<string, unknown>;

/** ARM reads in flight at once: a 50-API instance syncs in seconds without spending the principal's burst of reads in one go. */
const CONCURRENCY = 4;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** `fn` over `items`, at most CONCURRENCY at a time, results in order. */
async function mapLimited<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, items.length) }, worker));
  return results;
}

/** A policy GET answers 404 when the scope has none. */
async function optionalPolicy(get: () => Promise<PolicyContract>): Promise<string | undefined> {
  try {
    return (await get()).value;
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return undefined;
    throw error;
  }
}

/**
 * `…/service/x/products/starter` or `/products/starter` → `/products/starter`; the snapshot keeps ARM's short scope form.
 * The built-in all-access subscription (`master`) is scoped to the service itself, `…/service/x/` (as exported ARM
 * templates write it): every API, `/apis`.
 */
export function shortScope(scope: string | undefined): string | undefined {
  const match = /\/(apis(?:\/[^/]+)?|products\/[^/]+)\/?$/i.exec(scope ?? '');
  if (match) return `/${match[1]!.replace(/^apis/i, 'apis').replace(/^products/i, 'products')}`;
  return scope !== undefined && /^\/$|\/service\/[^/]+\/?$/i.test(scope) ? '/apis' : undefined;
}

const WEB_PROTOCOLS = new Set(['http', 'https', 'ws', 'wss']);

function defined(data: Data): Data {
  return Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined && value !== null && value !== ''));
}

export class ArmSnapshotBuilder {
  readonly #client: ApiManagementClient;
  readonly #rg: string;
  readonly #service: string;
  readonly #gateway: string;
  readonly #serviceId: string;

  constructor(client: ApiManagementClient, target: ArmTarget) {
    this.#serviceId = `/subscriptions/${target.subscriptionId}/resourceGroups/${target.resourceGroup}/providers/Microsoft.ApiManagement/service/${target.serviceName}`;
    this.#client = client;
    this.#rg = target.resourceGroup;
    this.#service = target.serviceName;
    this.#gateway = target.gateway;
  }

  async build(): Promise<Data> {
    const c = this.#client;
    const [rg, svc] = [this.#rg, this.#service];
    const rawxml = { format: 'rawxml' } as const;
    const assigned = await collect(c.gatewayApi.listByService(rg, svc, this.#gateway));
    const [versionSets, apis, policy, fragments, namedValues, backends, products, subscriptions] = await Promise.all([
      collect(c.apiVersionSet.listByService(rg, svc)),
      mapLimited(assigned, (api) => this.#revisions(api)).then((lists) => lists.flat()),
      optionalPolicy(() => c.policy.get(rg, svc, 'policy', rawxml)),
      collect(c.policyFragment.listByService(rg, svc)),
      collect(c.namedValue.listByService(rg, svc)),
      collect(c.backend.listByService(rg, svc)),
      collect(c.product.listByService(rg, svc)),
      collect(c.subscription.list(rg, svc)),
    ]);
    const sets = new Map(versionSets.map((set) => [set.id?.toLowerCase(), set]));
    for (const api of apis) {
      const set = sets.get(String(api.apiVersionSetId ?? '').toLowerCase());
      delete api.apiVersionSetId;
      if (set) {
        api.apiVersionSet = defined({
          id: set.name, name: set.displayName, versioningScheme: set.versioningScheme,
          versionQueryName: set.versionQueryName, versionHeaderName: set.versionHeaderName,
        });
      }
    }
    const apiIds = new Set(assigned.map((api) => api.name!));
    const reachable = await this.#products(products, apiIds);
    return defined({
      schemaVersion: 1,
      gateway: { name: this.#gateway },
      policy,
      namedValues: await mapLimited(namedValues, async (value) => ({
        name: value.displayName ?? value.name!,
        value: value.secret ? (await c.namedValue.listValue(rg, svc, value.name!)).value ?? '' : value.value ?? '',
        secret: value.secret ?? false,
      })),
      policyFragments: fragments.filter((f) => f.value).map((f) => ({ id: f.name!, policy: f.value! })),
      // Pool backends (load balancing) have no URL of their own and are not served yet.
      backends: backends.filter((b) => b.url).map((b) => defined({
        id: b.name, url: b.url, protocol: b.protocol, description: b.description, tls: b.tls, credentials: b.credentials,
      })),
      apis,
      products: reachable,
      subscriptions: await this.#subscriptions(subscriptions, apiIds, new Set(reachable.map((p) => String(p.id)))),
    });
  }

  /** The current revision (as listed for the gateway) and every other revision of one assigned API. */
  async #revisions(current: ApiContract): Promise<Data[]> {
    const c = this.#client;
    const revisions = await collect(c.apiRevision.listByService(this.#rg, this.#service, current.name!));
    const others = revisions.filter((r) => !r.isCurrent && r.apiRevision && r.apiRevision !== current.apiRevision);
    const contracts = [current, ...await mapLimited(others, (r) => c.api.get(this.#rg, this.#service, `${current.name};rev=${r.apiRevision}`))];
    return mapLimited(contracts, (api) => this.#api(api, api === current ? current.name! : `${current.name};rev=${api.apiRevision}`));
  }

  async #api(api: ApiContract, id: string): Promise<Data> {
    const c = this.#client;
    const [rg, svc] = [this.#rg, this.#service];
    const [operations, policy] = await Promise.all([
      collect(c.apiOperation.listByApi(rg, svc, id)),
      this.#apiPolicy(id),
    ]);
    return defined({
      id,
      name: api.displayName,
      path: api.path ?? '',
      serviceUrl: api.serviceUrl,
      protocols: api.protocols?.filter((p) => WEB_PROTOCOLS.has(p)),
      subscriptionRequired: api.subscriptionRequired,
      subscriptionKeyParameterNames: api.subscriptionKeyParameterNames,
      apiVersion: api.apiVersion,
      apiVersionSetId: api.apiVersionSetId,
      apiRevision: api.apiRevision,
      isCurrent: api.isCurrent ?? id === api.name,
      isOnline: api.isOnline,
      policy,
      operations: await mapLimited(operations, (operation) => this.#operation(id, operation)),
    });
  }

  /**
   * The SDK's apiPolicy.get is generated with `isXML` and drops the value of
   * ARM's JSON answer, so this one GET goes through the client's pipeline
   * (same credential, retries, counting) and is read as the JSON it is.
   */
  async #apiPolicy(apiId: string): Promise<string | undefined> {
    const { createHttpHeaders, createPipelineRequest } = await import('@azure/core-rest-pipeline');
    const url = `${this.#client.$host}${this.#serviceId}/apis/${encodeURIComponent(apiId)}/policies/policy?api-version=${this.#client.apiVersion}&format=rawxml`;
    const response = await this.#client.sendRequest(createPipelineRequest({ url, method: 'GET', headers: createHttpHeaders({ accept: 'application/json' }) }));
    if (response.status === 404) return undefined;
    const body = (() => {
      try {
        return JSON.parse(response.bodyAsText ?? '') as { properties?: { value?: string }; error?: { code?: string; message?: string } };
      } catch {
        return {};
      }
    })();
    if (response.status !== 200) throw Object.assign(new Error(body.error?.message ?? `HTTP ${response.status}`), { statusCode: response.status, code: body.error?.code });
    return body.properties?.value;
  }

  async #operation(apiId: string, operation: OperationContract): Promise<Data> {
    const policy = await optionalPolicy(() => this.#client.apiOperationPolicy.get(this.#rg, this.#service, apiId, operation.name!, 'policy', { format: 'rawxml' }));
    return defined({
      id: operation.name,
      name: operation.displayName,
      method: operation.method,
      urlTemplate: operation.urlTemplate,
      templateParameters: (operation.templateParameters ?? []).map((p) => defined({
        name: p.name, type: p.type, required: p.required, values: p.values, description: p.description,
      })),
      policy,
    });
  }

  /** Products holding at least one assigned API, each with only those APIs (the others are not served here). */
  async #products(products: ProductContract[], apiIds: Set<string>): Promise<Data[]> {
    const c = this.#client;
    const built = await mapLimited(products, async (product) => {
      const apis = (await collect(c.productApi.listByProduct(this.#rg, this.#service, product.name!))).map((api) => api.name!).filter((id) => apiIds.has(id));
      if (apis.length === 0) return undefined;
      const policy = await optionalPolicy(() => c.productPolicy.get(this.#rg, this.#service, product.name!, 'policy', { format: 'rawxml' }));
      return defined({ id: product.name, name: product.displayName, state: product.state, subscriptionRequired: product.subscriptionRequired, apis, policy });
    });
    return built.filter((product): product is Data => product !== undefined);
  }

  /** Subscriptions that can call an API served here, with their keys (listSecrets; suspended ones too, so the data plane answers them as APIM does). */
  async #subscriptions(subscriptions: SubscriptionContract[], apiIds: Set<string>, productIds: Set<string>): Promise<Data[]> {
    const relevant = subscriptions.flatMap((s) => {
      const scope = shortScope(s.scope);
      if (scope === undefined) return [];
      const [, kind, id] = scope.split('/');
      const reaches = id === undefined || (kind === 'apis' ? apiIds.has(id) : productIds.has(id));
      return reaches ? [{ s, scope }] : [];
    });
    return mapLimited(relevant, async ({ s, scope }) => {
      const keys = await this.#client.subscription.listSecrets(this.#rg, this.#service, s.name!);
      return defined({ id: s.name, name: s.displayName, scope, state: s.state, primaryKey: keys.primaryKey, secondaryKey: keys.secondaryKey });
    });
  }
}
