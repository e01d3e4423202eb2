import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApimgwError } from '../errors.ts';
import { finishLoading, type LoadedConfig } from './loaded.ts';
import { operationsFromSpecification } from './openapi.ts';
import type { IssuePath } from './validate.ts';

/**
 * An APIOps extractor folder → a snapshot. Reads what a gateway needs (APIs
 * with their OpenAPI operations, revisions, version sets, products,
 * subscriptions, named values, backends, fragments, policies) and says in one
 * warning each what it skips and why. Every error points at the file to fix.
 */

export interface ApiopsOptions {
  /** With a `gateways/<name>` folder, only the APIs assigned to that gateway are loaded. */
  gatewayName?: string;
  /** Extractors never export keys: `{ <subscriptionId>: { primaryKey, secondaryKey } }` in YAML or JSON. */
  subscriptionKeysFile?: string;
}

type Properties = Record<string, unknown>;

/** Skipped API types: apimgw proxies HTTP APIs; these need protocol translation it does not do. */
const UNSUPPORTED_API_TYPES = new Set(['graphql', 'soap', 'websocket', 'grpc', 'odata']);
const UNSUPPORTED_SPECIFICATIONS = ['specification.graphql', 'specification.wadl', 'specification.wsdl'];
const IGNORED_FOLDERS: Record<string, string> = {
  loggers: 'loggers and diagnostics configure Azure Monitor / App Insights logging, which apimgw replaces with its own telemetry settings',
  diagnostics: 'loggers and diagnostics configure Azure Monitor / App Insights logging, which apimgw replaces with its own telemetry settings',
  tags: 'tags are portal metadata with no effect on the gateway',
  groups: 'groups belong to the developer portal',
};

class FolderReader {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }

  file(...parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  exists(...parts: string[]): boolean {
    return fs.existsSync(this.file(...parts));
  }

  subfolders(...parts: string[]): string[] {
    const dir = this.file(...parts);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  }

  text(...parts: string[]): string | undefined {
    const file = this.file(...parts);
    return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
  }

  /** The `properties` of an ARM resource file; `{}` files (link files) give `{}`. */
  properties(...parts: string[]): Properties {
    const text = this.text(...parts);
    if (text === undefined) return {};
    try {
      const parsed = JSON.parse(text) as { properties?: Properties };
      return parsed.properties ?? {};
    } catch (error) {
      throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${this.file(...parts)}: not valid JSON (${(error as Error).message})`);
    }
  }
}

/** ARM scopes may be full resource ids; the gateway needs `/apis`, `/apis/<id>` or `/products/<id>`. */
function normaliseScope(scope: string): string {
  const service = /\/service\/[^/]+(\/.*)?$/i.exec(scope);
  const relative = service ? (service[1] ?? '/') : scope;
  return relative === '/' || relative === '' ? '/apis' : relative.replace(/\/+$/, '');
}

function readKeys(file: string): Record<string, { primaryKey?: string; secondaryKey?: string }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_NOT_FOUND', `cannot read subscription keys file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'Point config.local.subscriptionKeys at a YAML/JSON file { <subscriptionId>: { primaryKey, secondaryKey } }.',
    });
  }
  try {
    return (parseYaml(text) ?? {}) as Record<string, { primaryKey?: string; secondaryKey?: string }>;
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${file}: not valid YAML/JSON (${(error as Error).message.split('\n')[0]})`);
  }
}

export function loadApiopsFolder(dir: string, options: ApiopsOptions = {}): LoadedConfig {
  const folder = new FolderReader(dir);
  const warnings: string[] = [];
  const places = new Map<string, string>();
  const place = (snapshotPath: IssuePath, ...fileParts: string[]) => places.set(snapshotPath.join('.'), path.join(dir, ...fileParts));
  place([], '');

  for (const [name, why] of Object.entries(IGNORED_FOLDERS)) {
    if (folder.exists(name)) warnings.push(`${folder.file(name)}: skipped: ${why}`);
  }

  const assigned = gatewayAssignment(folder, options.gatewayName, warnings);
  const versionSets = new Map(folder.subfolders('version sets').map((name) => [name, folder.properties('version sets', name, 'versionSetInformation.json')]));

  const apis: Properties[] = [];
  const loadedApiIds = new Set<string>();
  for (const apiDir of folder.subfolders('apis')) {
    const baseId = apiDir.split(';rev=')[0]!;
    if (assigned && !assigned.has(baseId)) continue;
    const info = folder.properties('apis', apiDir, 'apiInformation.json');
    const unsupported = UNSUPPORTED_SPECIFICATIONS.find((spec) => folder.exists('apis', apiDir, spec));
    const type = typeof info.type === 'string' ? info.type.toLowerCase() : 'http';
    if (UNSUPPORTED_API_TYPES.has(type) || unsupported) {
      warnings.push(`${folder.file('apis', apiDir)}: skipped: ${UNSUPPORTED_API_TYPES.has(type) ? `${type} APIs are` : `${unsupported} specifications are`} not supported; apimgw proxies HTTP APIs described by OpenAPI`);
      continue;
    }
    const index = apis.length;
    place(['apis', index], 'apis', apiDir, 'apiInformation.json');
    const api: Properties = {
      id: apiDir,
      name: info.displayName,
      path: info.path ?? '',
      serviceUrl: info.serviceUrl,
      protocols: info.protocols,
      subscriptionRequired: info.subscriptionRequired,
      subscriptionKeyParameterNames: info.subscriptionKeyParameterNames,
      apiRevision: info.apiRevision ?? apiDir.split(';rev=')[1] ?? '1',
      isCurrent: info.isCurrent ?? !apiDir.includes(';rev='),
      isOnline: info.isOnline,
      policy: folder.text('apis', apiDir, 'policy.xml'),
      operations: [],
    };
    if (typeof info.apiVersionSetId === 'string') {
      const setName = info.apiVersionSetId.split('/').pop()!;
      const set = versionSets.get(setName);
      if (!set) throw new ApimgwError('APIMGW_E_CONFIG_INVALID', `${folder.file('apis', apiDir, 'apiInformation.json')}: apiVersionSetId "${info.apiVersionSetId}" has no folder "version sets/${setName}"`);
      api.apiVersion = info.apiVersion;
      api.apiVersionSet = { name: set.displayName ?? setName, versioningScheme: set.versioningScheme, versionQueryName: set.versionQueryName, versionHeaderName: set.versionHeaderName };
      const version = String(info.apiVersion ?? '');
      // Some exports put the version in the path too; APIM adds it itself under the Segment scheme.
      if (set.versioningScheme === 'Segment' && version && String(api.path).endsWith(`/${version}`)) {
        api.path = String(api.path).slice(0, -version.length - 1);
        warnings.push(`${folder.file('apis', apiDir, 'apiInformation.json')}: path "${String(info.path)}" ends with its version "${version}"; the Segment scheme adds the version, so the API path is "${String(api.path)}"`);
      }
    }
    const specification = ['specification.yaml', 'specification.yml', 'specification.json'].find((name) => folder.exists('apis', apiDir, name));
    if (specification) {
      place(['apis', index, 'operations'], 'apis', apiDir, specification);
      const operations = operationsFromSpecification(folder.text('apis', apiDir, specification)!, folder.file('apis', apiDir, specification));
      operations.forEach((operation, opIndex) => {
        const policy = folder.text('apis', apiDir, 'operations', operation.id, 'policy.xml');
        if (policy !== undefined) {
          operation.policy = policy;
          place(['apis', index, 'operations', opIndex, 'policy'], 'apis', apiDir, 'operations', operation.id, 'policy.xml');
        }
      });
      api.operations = operations;
      const known = new Set(operations.map((o) => o.id));
      for (const orphan of folder.subfolders('apis', apiDir, 'operations').filter((op) => !known.has(op))) {
        warnings.push(`${folder.file('apis', apiDir, 'operations', orphan)}: skipped: no operation "${orphan}" in ${specification}`);
      }
    } else {
      warnings.push(`${folder.file('apis', apiDir)}: no specification.yaml|json: the API has no operations and answers 404`);
    }
    if (api.policy !== undefined) place(['apis', index, 'policy'], 'apis', apiDir, 'policy.xml');
    apis.push(api);
    loadedApiIds.add(baseId);
  }

  const products = folder.subfolders('products').map((productDir, index) => {
    place(['products', index], 'products', productDir, 'productInformation.json');
    const info = folder.properties('products', productDir, 'productInformation.json');
    const linked = folder.subfolders('products', productDir, 'apis');
    const skipped = linked.filter((api) => !loadedApiIds.has(api));
    if (skipped.length) warnings.push(`${folder.file('products', productDir, 'apis')}: ${skipped.join(', ')} not loaded, left out of product "${productDir}"`);
    const policy = folder.text('products', productDir, 'policy.xml');
    if (policy !== undefined) place(['products', index, 'policy'], 'products', productDir, 'policy.xml');
    return { id: productDir, name: info.displayName, state: info.state, subscriptionRequired: info.subscriptionRequired, apis: linked.filter((api) => loadedApiIds.has(api)), policy };
  });

  const keys = options.subscriptionKeysFile ? readKeys(options.subscriptionKeysFile) : {};
  const subscriptions: Properties[] = [];
  for (const subscriptionDir of folder.subfolders('subscriptions')) {
    const info = folder.properties('subscriptions', subscriptionDir, 'subscriptionInformation.json');
    const scope = normaliseScope(String(info.scope ?? '/apis'));
    const scopedApi = /^\/apis\/(.+)$/.exec(scope)?.[1];
    if (scopedApi !== undefined && !loadedApiIds.has(scopedApi)) {
      warnings.push(`${folder.file('subscriptions', subscriptionDir)}: skipped: its API "${scopedApi}" is not loaded`);
      continue;
    }
    place(['subscriptions', subscriptions.length], 'subscriptions', subscriptionDir, 'subscriptionInformation.json');
    const supplied = keys[subscriptionDir] ?? {};
    subscriptions.push({ id: subscriptionDir, name: info.displayName, scope, state: info.state, primaryKey: supplied.primaryKey ?? info.primaryKey, secondaryKey: supplied.secondaryKey ?? info.secondaryKey });
  }
  for (const unknown of Object.keys(keys).filter((id) => !subscriptions.some((s) => s.id === id))) {
    warnings.push(`${options.subscriptionKeysFile}: keys for "${unknown}", which is not a loaded subscription`);
  }

  const namedValues = folder.subfolders('named values').map((valueDir, index) => {
    place(['namedValues', index], 'named values', valueDir, 'namedValueInformation.json');
    const info = folder.properties('named values', valueDir, 'namedValueInformation.json');
    if (info.keyVault) warnings.push(`${folder.file('named values', valueDir)}: Key Vault reference not resolved: the named value is empty`);
    return { name: info.displayName ?? valueDir, value: info.value ?? '', secret: info.secret };
  });

  const backends = folder.subfolders('backends').map((backendDir, index) => {
    place(['backends', index], 'backends', backendDir, 'backendInformation.json');
    const info = folder.properties('backends', backendDir, 'backendInformation.json');
    return { id: backendDir, url: info.url, protocol: info.protocol, description: info.description };
  });

  const policyFragments = folder.subfolders('policy fragments').map((fragmentDir, index) => {
    place(['policyFragments', index], 'policy fragments', fragmentDir, 'policy.xml');
    return { id: fragmentDir, policy: folder.text('policy fragments', fragmentDir, 'policy.xml') ?? '' };
  });

  const policy = folder.text('policy.xml');
  if (policy !== undefined) place(['policy'], 'policy.xml');
  const data = { policy, namedValues, policyFragments, backends, apis, products, subscriptions };
  const locate = (snapshotPath: IssuePath) => {
    for (let depth = snapshotPath.length; depth >= 0; depth--) {
      const found = places.get(snapshotPath.slice(0, depth).join('.'));
      if (found !== undefined) return found;
    }
    return dir;
  };
  return finishLoading(JSON.parse(JSON.stringify(data)) as unknown, dir, locate, warnings);
}

/** The APIs a `gateways/<name>/apis` folder assigns to this gateway, or undefined to load them all. */
function gatewayAssignment(folder: FolderReader, gatewayName: string | undefined, warnings: string[]): Set<string> | undefined {
  const gateways = folder.subfolders('gateways');
  if (gateways.length === 0) return undefined;
  if (gatewayName !== undefined && gateways.includes(gatewayName)) {
    return new Set(folder.subfolders('gateways', gatewayName, 'apis'));
  }
  warnings.push(`${folder.file('gateways')}: lists ${gateways.join(', ')} but not "${gatewayName ?? ''}" (gateway.name): loading every API; set gateway.name to serve only one gateway's APIs`);
  return undefined;
}
