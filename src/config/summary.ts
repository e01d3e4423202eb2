import { baseApiId, type Snapshot } from './model.ts';

/** What a snapshot holds, without any secret: keys and secret named values never appear. */
export function summarise(snapshot: Snapshot) {
  const policies = (snapshot.policy ? 1 : 0)
    + snapshot.apis.reduce((n, api) => n + (api.policy ? 1 : 0) + api.operations.filter((o) => o.policy).length, 0)
    + snapshot.products.filter((p) => p.policy).length;
  return {
    revision: snapshot.revision,
    counts: {
      apis: new Set(snapshot.apis.map((a) => baseApiId(a.id))).size,
      apiEntries: snapshot.apis.length,
      operations: snapshot.apis.reduce((n, api) => n + api.operations.length, 0),
      products: snapshot.products.length,
      subscriptions: snapshot.subscriptions.length,
      namedValues: snapshot.namedValues.length,
      backends: snapshot.backends.length,
      policyFragments: snapshot.policyFragments.length,
      policies,
    },
    apis: snapshot.apis.map((api) => ({
      id: api.id,
      name: api.name,
      path: api.path,
      version: api.apiVersion,
      versioningScheme: api.apiVersionSet?.versioningScheme,
      revision: api.apiRevision,
      isCurrent: api.isCurrent,
      protocols: api.protocols,
      subscriptionRequired: api.subscriptionRequired,
      serviceUrl: api.serviceUrl,
      operations: api.operations.map((o) => `${o.method.toUpperCase()} ${o.urlTemplate}`),
      hasPolicy: api.policy !== undefined,
    })),
    products: snapshot.products.map((p) => ({ id: p.id, state: p.state, subscriptionRequired: p.subscriptionRequired, apis: p.apis })),
    subscriptions: snapshot.subscriptions.map((s) => ({ id: s.id, scope: s.scope, state: s.state, keys: [s.primaryKey && 'primary', s.secondaryKey && 'secondary'].filter(Boolean) })),
    namedValues: snapshot.namedValues.map((n) => ({ name: n.name, secret: n.secret })),
    backends: snapshot.backends.map((b) => ({ id: b.id, url: b.url })),
  };
}

export type SnapshotSummary = ReturnType<typeof summarise>;
