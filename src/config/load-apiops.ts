import fs from 'node:fs';
import { jsonSyntaxReason } from '../text.ts';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApimgwError } from '../errors.ts';
import { finishLoading, type LoadedConfig } from './loaded.ts';
import { baseApiId } from './model.ts';
import { normaliseOperationName, operationsFromSpecification } from './openapi.ts';
import { policyDocumentName } from '../policy/sources.ts';
import type { IssuePath } from './validate.ts';

/**
 * An APIOps extractor folder → a snapshot. Reads what a gateway needs (APIs
 * with their OpenAPI operations, revisions, version sets, products,
 * subscriptions, named values, backends, fragments, policies), says in one
 * warning each what it skips and why, and locates every issue in the file an
 * operator has to open.
 */

export interface ApiopsOptions {
  /** With a `gateways/<name>` folder, only the APIs assigned to that gateway are loaded. */
  gatewayName?: string;
  /** Extractors never export keys: `{ <subscriptionId>: { primaryKey, secondaryKey } }` in YAML or JSON. */
  subscriptionKeysFile?: string;
}

type Properties = Record<string, unknown>;
type SubscriptionKeys = Record<string, { primaryKey?: unknown; secondaryKey?: unknown }>;

const READ_FOLDERS = new Set(['apis', 'products', 'subscriptions', 'named values', 'backends', 'policy fragments', 'version sets', 'gateways']);
const LOGGING = 'it configures Azure Monitor / Application Insights / Event Hubs logging; apimgw logs through its telemetry.* settings';
const SKIPPED_FOLDERS: Record<string, string> = {
  loggers: LOGGING,
  diagnostics: LOGGING,
  tags: 'tags are portal metadata with no effect on requests',
  groups: 'groups control developer-portal visibility, not gateway access',
  schemas: 'API schemas are not loaded: only validate-content/validate-parameters policies would use them',
  releases: 'release notes are portal metadata',
  workspaces: 'workspaces are not supported yet',
};
const OTHER_FOLDER = 'apimgw does not use it';

/** API types that need a protocol translation or a schema apimgw does not handle. */
const UNSUPPORTED_API_TYPES = new Set(['graphql', 'soap', 'websocket', 'grpc', 'odata']);
const HTTP_ONLY = 'apimgw serves HTTP APIs and takes their operations from OpenAPI (specification.yaml|yml|json)';
const OPENAPI_FILES = ['specification.yaml', 'specification.yml', 'specification.json'];
const OTHER_SPECIFICATIONS = ['specification.graphql', 'specification.wsdl', 'specification.wadl'];

const asString = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const isObject = (value: unknown): value is Properties => typeof value === 'object' && value !== null && !Array.isArray(value);

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

  folders(...parts: string[]): string[] {
    const dir = this.file(...parts);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  }

  /** File text without a byte-order mark (files edited on Windows often carry one). */
  text(...parts: string[]): string | undefined {
    const file = this.file(...parts);
    if (!fs.existsSync(file)) return undefined;
    try {
      return fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
    } catch (error) {
      throw new ApimgwError('APIMGW_E_CONFIG_NOT_FOUND', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }

  /** The `properties` of an ARM resource file; link files (`{}`) give `{}`, a missing file undefined. */
  properties(...parts: string[]): Properties | undefined {
    const text = this.text(...parts);
    if (text === undefined) return undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${this.file(...parts)}: not valid JSON (${jsonSyntaxReason(error)})`);
    }
    if (!isObject(parsed)) throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${this.file(...parts)}: expected a JSON object with "properties"`);
    return isObject(parsed.properties) ? parsed.properties : {};
  }
}

/** ARM scopes may be full resource ids; the gateway needs `/apis`, `/apis/<id>` or `/products/<id>`. The service itself (all-access) is all APIs. */
function normaliseScope(scope: string): string {
  const service = /\/service\/[^/]+(\/.*)?$/i.exec(scope);
  const relative = (service ? (service[1] ?? '') : scope).replace(/\/+$/, '');
  return relative === '' ? '/apis' : relative;
}

function readKeys(file: string): SubscriptionKeys {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_NOT_FOUND', `cannot read subscription keys file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      hint: 'Point config.local.subscriptionKeys at a YAML/JSON file { <subscriptionId>: { primaryKey, secondaryKey } }.',
    });
  }
  let keys: unknown;
  try {
    keys = parseYaml(text) ?? {};
  } catch (error) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${file}: not valid YAML/JSON (${(error as Error).message.split('\n')[0]})`);
  }
  const malformed = isObject(keys) ? Object.entries(keys).find(([, entry]) => !isObject(entry)) : ['', keys];
  if (malformed) {
    throw new ApimgwError('APIMGW_E_CONFIG_PARSE', `${file}${malformed[0] ? ` "${malformed[0]}"` : ''}: expected { <subscriptionId>: { primaryKey, secondaryKey } }`);
  }
  return keys as SubscriptionKeys;
}

class ApiopsLoader {
  readonly folder: FolderReader;
  readonly options: ApiopsOptions;
  readonly warnings: string[] = [];
  /** Snapshot path (joined with '.') → the file or folder it came from. */
  readonly places = new Map<string, string>();
  /** Policy document name → its policy.xml, so policy errors name the file. */
  readonly policySources: Record<string, string> = {};
  /** Base API id → why it was not loaded, for the products and subscriptions that name it. */
  readonly notLoaded = new Map<string, string>();

  constructor(dir: string, options: ApiopsOptions) {
    this.folder = new FolderReader(dir);
    this.options = options;
  }

  place(snapshotPath: IssuePath, ...parts: string[]): void {
    this.places.set(snapshotPath.join('.'), this.folder.file(...parts));
  }

  policyFile(documentName: string, snapshotPath: IssuePath, ...parts: string[]): void {
    this.place(snapshotPath, ...parts);
    this.policySources[documentName] = this.folder.file(...parts);
  }

  skip(why: string, ...parts: string[]): void {
    this.warnings.push(`${this.folder.file(...parts)}: skipped: ${why}`);
  }

  locate = (snapshotPath: IssuePath): string => {
    for (let depth = snapshotPath.length; depth >= 0; depth--) {
      const found = this.places.get(snapshotPath.slice(0, depth).join('.'));
      if (found !== undefined) return found;
    }
    return this.folder.root;
  };

  load(): LoadedConfig {
    const top = this.folder.folders();
    if (!top.some((name) => READ_FOLDERS.has(name)) && !this.folder.exists('policy.xml')) {
      throw new ApimgwError('APIMGW_E_CONFIG_NOT_FOUND', `${this.folder.root} is not an APIOps extractor folder: it has neither policy.xml nor any of ${[...READ_FOLDERS].join(', ')}`);
    }
    // Hidden folders (.git, .github) are the repository's, not the extract's.
    for (const name of top.filter((n) => !READ_FOLDERS.has(n) && !n.startsWith('.'))) this.skip(SKIPPED_FOLDERS[name] ?? OTHER_FOLDER, name);
    this.place([]);
    const policy = this.folder.text('policy.xml');
    if (policy !== undefined) this.policyFile(policyDocumentName.global(), ['policy'], 'policy.xml');
    const apis = this.apis();
    const data = {
      policy,
      namedValues: this.namedValues(),
      policyFragments: this.policyFragments(),
      backends: this.backends(),
      apis,
      products: this.products(apis),
      subscriptions: this.subscriptions(apis),
    };
    // The round trip drops the undefined fields of absent properties, so the snapshot equals one written by hand.
    const loaded = finishLoading(JSON.parse(JSON.stringify(data)) as unknown, this.folder.root, this.locate, this.warnings);
    return { ...loaded, policySources: this.policySources };
  }

  /** The base ids a `gateways/<name>/apis` folder assigns to this gateway, or undefined to load every API. */
  assignedApis(): Set<string> | undefined {
    const gateways = this.folder.folders('gateways');
    if (gateways.length === 0) return undefined;
    const name = this.options.gatewayName;
    if (name !== undefined && gateways.includes(name)) return new Set(this.folder.folders('gateways', name, 'apis'));
    this.warnings.push(`${this.folder.file('gateways')}: assigns APIs to ${gateways.join(', ')}, none of them gateway.name (${name === undefined ? 'unset' : `"${name}"`}): loading every API`);
    return undefined;
  }

  apis(): Properties[] {
    const assigned = this.assignedApis();
    const versionSets = new Map(this.folder.folders('version sets').map((name) => [name, this.folder.properties('version sets', name, 'versionSetInformation.json') ?? {}]));
    const apis: Properties[] = [];
    const explicitCurrent = new Set<string>();
    const leftOut = new Set<string>();
    for (const apiDir of this.folder.folders('apis')) {
      const baseId = baseApiId(apiDir);
      if (assigned && !assigned.has(baseId)) {
        this.notLoaded.set(baseId, `not assigned to gateway "${this.options.gatewayName}"`);
        leftOut.add(baseId);
        continue;
      }
      const info = this.folder.properties('apis', apiDir, 'apiInformation.json');
      const unsupported = info && this.unsupported(apiDir, info);
      if (info === undefined || unsupported !== undefined) {
        this.skip(unsupported ? `${unsupported}: ${HTTP_ONLY}` : 'no apiInformation.json', 'apis', apiDir);
        this.notLoaded.set(baseId, unsupported ?? 'no apiInformation.json');
        continue;
      }
      if (typeof info.isCurrent === 'boolean') explicitCurrent.add(baseId);
      apis.push(this.api(apiDir, info, apis.length, versionSets));
    }
    // Without isCurrent anywhere in an API's revisions, the folder without `;rev=` is the current one, as in APIM's naming.
    for (const api of apis) {
      if (api.isCurrent === undefined) api.isCurrent = !explicitCurrent.has(baseApiId(String(api.id))) && !String(api.id).includes(';rev=');
    }
    if (assigned) {
      const name = this.options.gatewayName!;
      this.warnings.push(`${this.folder.file('gateways', name, 'apis')}: serving only the APIs assigned to gateway "${name}"${leftOut.size ? `; left out: ${[...leftOut].join(', ')}` : ''}`);
      for (const missing of [...assigned].filter((id) => !this.folder.exists('apis', id))) {
        this.skip(`no folder apis/${missing}`, 'gateways', name, 'apis', missing);
      }
    }
    return apis;
  }

  /** Why an API cannot be served, in a few words, or undefined when it can. */
  unsupported(apiDir: string, info: Properties): string | undefined {
    const type = (asString(info.type) ?? asString(info.apiType) ?? 'http').toLowerCase();
    if (UNSUPPORTED_API_TYPES.has(type)) return `a ${type} API`;
    if (OPENAPI_FILES.some((name) => this.folder.exists('apis', apiDir, name))) return undefined;
    const other = OTHER_SPECIFICATIONS.find((name) => this.folder.exists('apis', apiDir, name));
    return other && `described by ${other} only`;
  }

  api(apiDir: string, info: Properties, index: number, versionSets: Map<string, Properties>): Properties {
    const infoFile = ['apis', apiDir, 'apiInformation.json'];
    this.place(['apis', index], ...infoFile);
    const api: Properties = {
      id: apiDir,
      name: info.displayName,
      path: info.path ?? '',
      serviceUrl: info.serviceUrl === '' ? undefined : info.serviceUrl,
      protocols: info.protocols,
      subscriptionRequired: info.subscriptionRequired,
      subscriptionKeyParameterNames: info.subscriptionKeyParameterNames,
      apiRevision: info.apiRevision ?? (apiDir.includes(';rev=') ? apiDir.slice(apiDir.indexOf(';rev=') + 5) : '1'),
      isCurrent: info.isCurrent,
      isOnline: info.isOnline,
    };
    const versionSetId = asString(info.apiVersionSetId);
    if (versionSetId !== undefined) {
      const setName = versionSetId.split('/').pop() ?? '';
      // Folders are named after the resource name; older APIOps releases named them after the display name.
      const setDir = versionSets.has(setName) ? setName : [...versionSets].find(([, set]) => set.displayName === setName)?.[0];
      if (setDir === undefined) {
        throw new ApimgwError('APIMGW_E_CONFIG_INVALID', `${this.folder.file(...infoFile)}: apiVersionSetId "${versionSetId}" has no folder "version sets/${setName}"`);
      }
      const set = versionSets.get(setDir)!;
      this.place(['apis', index, 'apiVersionSet'], 'version sets', setDir, 'versionSetInformation.json');
      api.apiVersion = info.apiVersion;
      api.apiVersionSet = { id: setDir, name: set.displayName, versioningScheme: set.versioningScheme, versionQueryName: set.versionQueryName, versionHeaderName: set.versionHeaderName };
      // APIM's versions of one set share a path and the Segment scheme adds the version after it; an export whose path already ends with the version would otherwise answer on /path/v1/v1.
      const version = asString(info.apiVersion);
      const apiPath = String(api.path);
      if (set.versioningScheme === 'Segment' && version && apiPath.endsWith(`/${version}`)) {
        api.path = apiPath.slice(0, -version.length - 1);
        this.warnings.push(`${this.folder.file(...infoFile)}: path "${apiPath}" ends with its version "${version}": serving it as path "${String(api.path)}" plus the Segment version, as APIM routes the set`);
      }
    }
    const policy = this.folder.text('apis', apiDir, 'policy.xml');
    if (policy !== undefined) {
      api.policy = policy;
      this.policyFile(policyDocumentName.api(apiDir), ['apis', index, 'policy'], 'apis', apiDir, 'policy.xml');
    }
    api.operations = this.operations(apiDir, index, info);
    for (const sub of this.folder.folders('apis', apiDir).filter((name) => name !== 'operations')) {
      this.skip(SKIPPED_FOLDERS[sub] ?? OTHER_FOLDER, 'apis', apiDir, sub);
    }
    return api;
  }

  operations(apiDir: string, index: number, info: Properties): Properties[] {
    const specification = OPENAPI_FILES.find((name) => this.folder.exists('apis', apiDir, name));
    // Without a specification the API has no operations; validation warns that it answers 404.
    this.place(['apis', index, 'operations'], 'apis', apiDir, specification ?? '');
    if (specification === undefined) return [];
    const operations = operationsFromSpecification(this.folder.text('apis', apiDir, specification)!, this.folder.file('apis', apiDir, specification), {
      requiredQueryParameters: info.translateRequiredQueryParameters === 'query' ? 'query' : 'template',
    });
    // Operation folders carry the operation's resource name, which APIM derives from the normalised operationId.
    const folders = new Map(this.folder.folders('apis', apiDir, 'operations').map((name) => [normaliseOperationName(name), name]));
    operations.forEach((operation, opIndex) => {
      const opDir = folders.get(operation.id);
      if (opDir === undefined) return;
      folders.delete(operation.id);
      const policy = this.folder.text('apis', apiDir, 'operations', opDir, 'policy.xml');
      if (policy === undefined) return;
      operation.policy = policy;
      this.policyFile(policyDocumentName.operation(apiDir, operation.id), ['apis', index, 'operations', opIndex, 'policy'], 'apis', apiDir, 'operations', opDir, 'policy.xml');
    });
    for (const orphan of folders.values()) this.skip(`no operation "${orphan}" in ${specification}`, 'apis', apiDir, 'operations', orphan);
    return operations;
  }

  products(apis: Properties[]): Properties[] {
    const loaded = new Set(apis.map((api) => baseApiId(String(api.id))));
    return this.folder.folders('products').map((productDir, index) => {
      this.place(['products', index], 'products', productDir, 'productInformation.json');
      const info = this.folder.properties('products', productDir, 'productInformation.json') ?? {};
      const linked = this.folder.folders('products', productDir, 'apis');
      for (const api of linked.filter((id) => !loaded.has(id))) {
        this.skip(`API "${api}" is not loaded (${this.notLoaded.get(api) ?? `no folder apis/${api}`})`, 'products', productDir, 'apis', api);
      }
      const policy = this.folder.text('products', productDir, 'policy.xml');
      if (policy !== undefined) this.policyFile(policyDocumentName.product(productDir), ['products', index, 'policy'], 'products', productDir, 'policy.xml');
      return { id: productDir, name: info.displayName, state: info.state, subscriptionRequired: info.subscriptionRequired, apis: linked.filter((id) => loaded.has(id)), policy };
    });
  }

  subscriptions(apis: Properties[]): Properties[] {
    const keysFile = this.options.subscriptionKeysFile;
    const keys = keysFile === undefined ? {} : readKeys(keysFile);
    const loaded = new Set(apis.map((api) => baseApiId(String(api.id))));
    const subscriptions: Properties[] = [];
    for (const subscriptionDir of this.folder.folders('subscriptions')) {
      const file = ['subscriptions', subscriptionDir, 'subscriptionInformation.json'];
      const info = this.folder.properties(...file) ?? {};
      // No scope is left for validation to reject: defaulting it would widen the subscription to every API.
      const scope = typeof info.scope === 'string' ? normaliseScope(info.scope) : info.scope;
      const scopedApi = typeof scope === 'string' ? /^\/apis\/(.+)$/.exec(scope)?.[1] : undefined;
      if (scopedApi !== undefined && !loaded.has(scopedApi) && this.notLoaded.has(scopedApi)) {
        this.skip(`its API "${scopedApi}" is not loaded (${this.notLoaded.get(scopedApi)})`, 'subscriptions', subscriptionDir);
        continue;
      }
      const index = subscriptions.length;
      this.place(['subscriptions', index], ...file);
      const supplied = keys[subscriptionDir];
      if (supplied) {
        this.places.set(`subscriptions.${index}.primaryKey`, keysFile!);
        this.places.set(`subscriptions.${index}.secondaryKey`, keysFile!);
      }
      const [primaryKey, secondaryKey] = [supplied?.primaryKey ?? info.primaryKey, supplied?.secondaryKey ?? info.secondaryKey];
      subscriptions.push({ id: subscriptionDir, name: info.displayName, scope, state: info.state, primaryKey, secondaryKey });
    }
    for (const unknown of Object.keys(keys).filter((id) => !subscriptions.some((s) => s.id === id))) {
      this.warnings.push(`${keysFile}: keys for "${unknown}", which is not a loaded subscription`);
    }
    return subscriptions;
  }

  namedValues(): Properties[] {
    return this.folder.folders('named values').map((valueDir, index) => {
      this.place(['namedValues', index], 'named values', valueDir, 'namedValueInformation.json');
      const info = this.folder.properties('named values', valueDir, 'namedValueInformation.json') ?? {};
      if (isObject(info.keyVault)) {
        this.warnings.push(`${this.folder.file('named values', valueDir)}: Key Vault secret ${asString(info.keyVault.secretIdentifier) ?? ''} is not fetched: the named value is empty`);
      } else if (info.secret === true && info.value === undefined) {
        this.warnings.push(`${this.folder.file('named values', valueDir)}: secret value not exported by the extractor: the named value is empty`);
      }
      // Policies reference named values as {{displayName}}.
      return { name: info.displayName ?? valueDir, value: isObject(info.keyVault) ? '' : (info.value ?? ''), secret: info.secret };
    });
  }

  backends(): Properties[] {
    const backends: Properties[] = [];
    for (const backendDir of this.folder.folders('backends')) {
      const info = this.folder.properties('backends', backendDir, 'backendInformation.json') ?? {};
      if (info.url === undefined) {
        this.skip(info.type === 'Pool' ? 'load-balanced pool backends are not supported yet' : 'no url (Service Fabric backends are not supported)', 'backends', backendDir);
        continue;
      }
      this.place(['backends', backends.length], 'backends', backendDir, 'backendInformation.json');
      backends.push({ id: backendDir, url: info.url, protocol: info.protocol, description: info.description, tls: info.tls, credentials: info.credentials, circuitBreaker: info.circuitBreaker });
    }
    return backends;
  }

  policyFragments(): Properties[] {
    const fragments: Properties[] = [];
    for (const fragmentDir of this.folder.folders('policy fragments')) {
      const policy = this.folder.text('policy fragments', fragmentDir, 'policy.xml');
      if (policy === undefined) {
        this.skip('no policy.xml', 'policy fragments', fragmentDir);
        continue;
      }
      this.policyFile(policyDocumentName.fragment(fragmentDir), ['policyFragments', fragments.length], 'policy fragments', fragmentDir, 'policy.xml');
      fragments.push({ id: fragmentDir, policy });
    }
    return fragments;
  }
}

export function loadApiopsFolder(dir: string, options: ApiopsOptions = {}): LoadedConfig {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ApimgwError('APIMGW_E_CONFIG_NOT_FOUND', `APIOps folder ${dir} not found`);
  }
  return new ApiopsLoader(dir, options).load();
}
