import type { z } from 'zod';
import { baseApiId, SnapshotSchema, type Snapshot } from './model.ts';
import { validateTls } from './validate-tls.ts';

export type IssuePath = ReadonlyArray<string | number>;

export interface ConfigIssue {
  path: IssuePath;
  message: string;
}

/** Turns a path into the snapshot into a place a person can open: `file:line:col` or a folder path. */
export type Locator = (path: IssuePath) => string;

export function formatPath(path: IssuePath): string {
  return path.reduce<string>((out, part) => (typeof part === 'number' ? `${out}[${part}]` : out ? `${out}.${part}` : part), '');
}

function zodIssues(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
    message: issue.code === 'unrecognized_keys' ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message,
  }));
}

function duplicates<T>(items: readonly T[], key: (item: T) => string, path: IssuePath, what: string, issues: ConfigIssue[]): void {
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const value = key(item);
    if (seen.has(value)) issues.push({ path: [...path, index], message: `duplicate ${what} "${value}"` });
    seen.add(value);
  });
}

/**
 * The checks a schema cannot express: references between resources, unique
 * ids and keys, one current revision, routes that would shadow each other.
 * Returns errors (the snapshot is rejected) and warnings (it is applied).
 */
function validateSnapshot(snapshot: Snapshot): { errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const errors: ConfigIssue[] = [];
  const warnings: ConfigIssue[] = [];
  duplicates(snapshot.apis, (a) => a.id, ['apis'], 'API id', errors);
  duplicates(snapshot.products, (p) => p.id, ['products'], 'product id', errors);
  duplicates(snapshot.subscriptions, (s) => s.id, ['subscriptions'], 'subscription id', errors);
  duplicates(snapshot.namedValues, (n) => n.name, ['namedValues'], 'named value', errors);
  duplicates(snapshot.backends, (b) => b.id, ['backends'], 'backend id', errors);
  validateTls(snapshot, errors, warnings);

  const apiBaseIds = new Set(snapshot.apis.map((a) => baseApiId(a.id)));
  const productIds = new Set(snapshot.products.map((p) => p.id));

  snapshot.apis.forEach((api, index) => {
    duplicates(api.operations, (o) => o.id, ['apis', index, 'operations'], 'operation id', errors);
    const routes = new Set<string>();
    api.operations.forEach((operation, opIndex) => {
      const route = `${operation.method.toUpperCase()} ${operation.urlTemplate.replace(/\{[^}]*\}/g, '{}').toLowerCase()}`;
      if (routes.has(route)) warnings.push({ path: ['apis', index, 'operations', opIndex, 'urlTemplate'], message: `${route} is matched by an earlier operation; this one is unreachable` });
      routes.add(route);
    });
    const isRevisionId = api.id.includes(';rev=');
    if (isRevisionId && api.id !== `${baseApiId(api.id)};rev=${api.apiRevision}`) {
      errors.push({ path: ['apis', index, 'apiRevision'], message: `revision id "${api.id}" does not match apiRevision "${api.apiRevision}"` });
    }
    if (!api.serviceUrl) warnings.push({ path: ['apis', index, 'serviceUrl'], message: 'no serviceUrl: requests to this API get 500 until a policy sets a backend' });
    if (api.operations.length === 0) warnings.push({ path: ['apis', index, 'operations'], message: 'no operations: every request to this API gets 404' });
  });

  const revisionsByBase = new Map<string, number[]>();
  snapshot.apis.forEach((api, index) => {
    const list = revisionsByBase.get(baseApiId(api.id)) ?? [];
    list.push(index);
    revisionsByBase.set(baseApiId(api.id), list);
  });
  for (const [base, indexes] of revisionsByBase) {
    const current = indexes.filter((i) => snapshot.apis[i]!.isCurrent);
    if (current.length !== 1) {
      errors.push({ path: ['apis', indexes[0]!, 'isCurrent'], message: `API "${base}" has ${current.length} current revisions; exactly one must be current` });
    }
    const revisions = new Set<string>();
    for (const i of indexes) {
      const revision = snapshot.apis[i]!.apiRevision;
      if (revisions.has(revision)) errors.push({ path: ['apis', i, 'apiRevision'], message: `API "${base}" has revision ${revision} twice` });
      revisions.add(revision);
    }
  }

  // APIs sharing a path must be versions of one set; revisions of one API count once.
  const byPath = new Map<string, number[]>();
  const counted = new Set<string>();
  snapshot.apis.forEach((api, index) => {
    if (counted.has(baseApiId(api.id))) return;
    counted.add(baseApiId(api.id));
    const key = api.path.replace(/^\/+|\/+$/g, '').toLowerCase();
    byPath.set(key, [...(byPath.get(key) ?? []), index]);
  });
  for (const [path, indexes] of byPath) {
    if (indexes.length < 2) continue;
    const apis = indexes.map((i) => snapshot.apis[i]!);
    const schemes = new Set(apis.map((a) => a.apiVersionSet?.versioningScheme));
    if (apis.some((a) => !a.apiVersionSet) || schemes.size !== 1) {
      errors.push({ path: ['apis', indexes[1]!, 'path'], message: `path "${path}" is used by ${apis.map((a) => `"${a.id}"`).join(', ')} which are not versions of one version set` });
      continue;
    }
    const versions = new Set<string>();
    for (const [n, api] of apis.entries()) {
      const version = api.apiVersion ?? '';
      if (versions.has(version)) errors.push({ path: ['apis', indexes[n]!, 'apiVersion'], message: `version "${version || '(original)'}" of path "${path}" is defined twice` });
      versions.add(version);
    }
  }

  snapshot.products.forEach((product, index) => {
    product.apis.forEach((apiId, apiIndex) => {
      if (!apiBaseIds.has(baseApiId(apiId))) errors.push({ path: ['products', index, 'apis', apiIndex], message: `unknown API "${apiId}"` });
    });
  });

  const keys = new Map<string, string>();
  snapshot.subscriptions.forEach((subscription, index) => {
    const [, kind, id] = subscription.scope.split('/');
    if (kind === 'apis' && id !== undefined && !apiBaseIds.has(id)) errors.push({ path: ['subscriptions', index, 'scope'], message: `unknown API "${id}"` });
    if (kind === 'products' && id !== undefined && !productIds.has(id)) errors.push({ path: ['subscriptions', index, 'scope'], message: `unknown product "${id}"` });
    for (const field of ['primaryKey', 'secondaryKey'] as const) {
      const key = subscription[field];
      if (key === undefined) continue;
      const owner = keys.get(key);
      if (owner !== undefined) errors.push({ path: ['subscriptions', index, field], message: `key is already used by subscription "${owner}"` });
      keys.set(key, subscription.id);
    }
    if (!subscription.primaryKey && !subscription.secondaryKey) {
      warnings.push({ path: ['subscriptions', index], message: 'no keys: nobody can call with this subscription (APIOps extractors never export keys; see config.local.subscriptionKeys)' });
    }
  });
  return { errors, warnings };
}

export function parseSnapshot(data: unknown): { snapshot?: Snapshot; errors: ConfigIssue[]; warnings: ConfigIssue[] } {
  const parsed = SnapshotSchema.safeParse(data);
  if (!parsed.success) return { errors: zodIssues(parsed.error), warnings: [] };
  const { errors, warnings } = validateSnapshot(parsed.data);
  return errors.length ? { errors, warnings } : { snapshot: parsed.data, errors, warnings };
}
