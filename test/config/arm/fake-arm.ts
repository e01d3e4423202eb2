import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { createToken, type GatewayKeys } from '../../../src/token/format.ts';

/**
 * A fake Azure Resource Manager (Microsoft.ApiManagement, 2024-05-01) and a
 * fake Entra ID token endpoint on one HTTPS listener on 127.0.0.1, behind a CA
 * made by openssl for the test. Children trust it through NODE_EXTRA_CA_CERTS.
 *
 * The instance is a map from resource path under the service
 * (`apis/echo/operations/get`) to its `properties`; answers have the shape of
 * the ARM examples in Azure/azure-rest-api-specs: `{id, type, name,
 * properties}`, lists `{value, count, nextLink}`, errors `{error:{code,message}}`.
 */

export const TENANT = '11111111-1111-1111-1111-111111111111';
export const CLIENT_ID = '22222222-2222-2222-2222-222222222222';
export const CLIENT_SECRET = 'fake-client-secret';
export const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
export const RESOURCE_GROUP = 'rg1';
export const SERVICE = 'apimService1';
export const SERVICE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ApiManagement/service/${SERVICE}`;

export type Resources = Record<string, Record<string, unknown>>;

export interface FakeArm {
  url: string;
  caFile: string;
  resources: Resources;
  /** Every request: `GET apis/echo/operations` (service-relative), `POST token`. */
  requests: string[];
  gatewayKeys: Record<string, GatewayKeys>;
  /** The next `count` ARM requests answer 429 with Retry-After: `seconds`. */
  throttle(count: number, seconds: number): void;
  /** GETs of these resources (`gateways/gw1`) answer 403 AuthorizationFailed naming the read action, as ARM words it; undefined clears. */
  deny(keys: string[] | undefined): void;
  /** As a role assignment holding only these actions: any other request answers 403 AuthorizationFailed naming its action; undefined allows all. */
  allowOnly(actions: string[] | undefined): void;
  /** Settings for apimgw pointing at this fake with the right credentials. */
  settings(): Record<string, string>;
  close(): Promise<void>;
}

function makeCertificates(dir: string): { key: Buffer; cert: Buffer; caFile: string } {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=apimgw test CA');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  fs.writeFileSync(path.join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { key: fs.readFileSync(path.join(dir, 'server.key')), cert: fs.readFileSync(path.join(dir, 'server.pem')), caFile: path.join(dir, 'ca.pem') };
}

const SERVICE_PREFIX = `${SERVICE_ID}/`.toLowerCase();
/** Collections whose items are other resources (assignments): listed with the full contract of the item they point to. */
const LINKS: Record<string, string> = { gateways: 'apis', products: 'apis' };

function armId(key: string): string {
  return `${SERVICE_ID}/${key}`;
}

function armType(key: string): string {
  const segments = key.split('/');
  return `Microsoft.ApiManagement/service/${segments.filter((_, i) => i % 2 === 0).join('/')}`;
}

/** The RBAC action ARM checks for a request: `GET apis/x/operations` → `Microsoft.ApiManagement/service/apis/operations/read`, `POST namedValues/x/listValue` → `…/namedValues/listValue/action`. */
export function actionOf(method: string, key: string): string {
  return `${armType(key)}/${method === 'POST' ? 'action' : method === 'GET' ? 'read' : method === 'DELETE' ? 'delete' : 'write'}`;
}

function forbidden(key: string, action: string) {
  return error(403, 'AuthorizationFailed', `The client '${CLIENT_ID}' with object id '33333333-3333-3333-3333-333333333333' does not have authorization to perform action '${action}' over scope '${armId(key)}' or the scope is invalid. If access was recently granted, please refresh your credentials.`);
}

function error(status: number, code: string, message: string) {
  return { status, body: { error: { code, message } } };
}

export async function startFakeArm(initial: Resources, options: { pageSize?: number } = {}): Promise<FakeArm> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apimgw-fake-arm-'));
  const { key, cert, caFile } = makeCertificates(dir);
  const resources: Resources = structuredClone(initial);
  const requests: string[] = [];
  const issued = new Set<string>();
  const gatewayKeys: Record<string, GatewayKeys> = { gw1: { primary: 'primary-key-1', secondary: 'secondary-key-1' } };
  let throttled = 0;
  let denied = new Set<string>();
  let allowed: Set<string> | undefined;
  let retryAfter = 1;
  const pageSize = options.pageSize ?? 100;
  let url = '';

  const entity = (k: string, props: Record<string, unknown>) => {
    const properties = { ...props };
    // Secrets never appear in a GET or a list: listValue / listSecrets return them.
    if (k.startsWith('subscriptions/')) { delete properties.primaryKey; delete properties.secondaryKey; }
    if (k.startsWith('namedValues/') && properties.secret) delete properties.value;
    if (/\/policies\/[^/]+$|^policies\//.test(k)) properties.format = 'rawxml';
    return { id: armId(k), type: armType(k), name: k.slice(k.lastIndexOf('/') + 1), properties };
  };

  const list = (collection: string, skip: number, query: URLSearchParams) => {
    const depth = collection.split('/').length + 1;
    const parent = collection.split('/');
    let items: Array<Record<string, unknown>>;
    if (collection.endsWith('/revisions') && collection.startsWith('apis/')) {
      const apiId = parent[1]!;
      items = Object.entries(resources).filter(([k]) => k === `apis/${apiId}` || k.startsWith(`apis/${apiId};rev=`)).filter(([k]) => k.split('/').length === 2)
        .map(([k, p]) => {
          const revision = String(p.apiRevision ?? '1');
          // As ApiManagementListApiRevisions.json: no properties wrapper, and the id always carries ;rev=.
          return { apiId: `${SERVICE_ID}/apis/${apiId};rev=${revision}`, apiRevision: revision, createdDateTime: '2024-05-01T00:00:00Z', updatedDateTime: '2024-05-01T00:00:00Z', isOnline: true, isCurrent: p.isCurrent ?? !k.includes(';rev=') };
        });
    } else {
      items = Object.entries(resources).filter(([k]) => k.startsWith(`${collection}/`) && k.split('/').length === depth).map(([k, p]) => {
        const link = LINKS[parent[0]!] === parent[2] && parent.length === 3 ? `${parent[2]}/${k.slice(k.lastIndexOf('/') + 1)}` : undefined;
        if (link === undefined) return entity(k, p);
        return { ...entity(link, resources[link] ?? {}), id: armId(k), type: armType(k) };
      });
    }
    const page = items.slice(skip, skip + pageSize);
    const next = skip + pageSize < items.length ? `${url}${SERVICE_ID}/${collection}?${new URLSearchParams({ ...Object.fromEntries(query), $skip: String(skip + pageSize) })}` : '';
    return { status: 200, body: { value: page, count: items.length, nextLink: next } };
  };

  const armAnswer = (method: string, k: string, query: URLSearchParams, body: Record<string, unknown>): { status: number; body?: unknown; headers?: Record<string, string> } => {
    if (method === 'POST') {
      const target = k.slice(0, k.lastIndexOf('/'));
      const action = k.slice(k.lastIndexOf('/') + 1);
      const props = resources[target];
      if (action === 'listValue' && props) return { status: 200, body: { value: props.value } };
      if (action === 'listSecrets' && props) return { status: 200, body: { primaryKey: props.primaryKey, secondaryKey: props.secondaryKey } };
      const gateway = target.startsWith('gateways/') ? gatewayKeys[target.slice(9)] : undefined;
      if (action === 'generateToken' && gateway) {
        const keyType = body.keyType === 'secondary' ? 'secondary' : 'primary';
        const expiry = new Date(String(body.expiry));
        if (Number.isNaN(expiry.getTime()) || expiry.getTime() - Date.now() > 30 * 86_400_000) return error(400, 'ValidationError', 'expiry must be at most 30 days away');
        return { status: 200, body: { value: createToken(target.slice(9), gateway[keyType]!, expiry).replace(/^GatewayKey /, '') } };
      }
      if (action === 'regenerateKey' && gateway) {
        const keyType = body.keyType === 'secondary' ? 'secondary' : 'primary';
        gateway[keyType] = `${keyType}-key-${Date.now()}-${Math.random()}`;
        return { status: 204 };
      }
      return error(404, 'ResourceNotFound', `no ${action} on ${target}`);
    }
    if (method !== 'GET') return error(405, 'MethodNotAllowed', method);
    const props = resources[k];
    if (props) return { status: 200, body: entity(k, props), headers: { etag: `"${Buffer.from(JSON.stringify(props)).length}"` } };
    const segments = k.split('/');
    const parentKey = segments.slice(0, -1).join('/');
    if (segments.length % 2 === 1 && (segments.length === 1 || resources[parentKey] || parentKey.startsWith('gateways/'))) return list(k, Number(query.get('$skip') ?? 0), query);
    return error(404, 'ResourceNotFound', `The requested resource ${k} was not found.`);
  };

  const server = https.createServer({ key, cert }, (req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const parsed = new URL(req.url ?? '/', 'https://127.0.0.1');
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(body === undefined ? undefined : JSON.stringify(body));
      };
      // Entra ID: OpenID metadata and the client-credentials token endpoint.
      const entra = /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|discovery\/instance)$/.exec(parsed.pathname);
      if (entra) {
        requests.push(`${req.method} ${entra[2]}`);
        const tenant = entra[1]!;
        const base = `${url}/${tenant}`;
        if (entra[2] === 'discovery/instance') {
          return send(200, { tenant_discovery_endpoint: `${base}/v2.0/.well-known/openid-configuration`, metadata: [] });
        }
        if (entra[2]!.startsWith('v2.0')) {
          return send(200, { token_endpoint: `${base}/oauth2/v2.0/token`, authorization_endpoint: `${base}/oauth2/v2.0/authorize`, issuer: `${base}/v2.0`, jwks_uri: `${base}/discovery/v2.0/keys`, response_types_supported: ['code'], subject_types_supported: ['pairwise'], id_token_signing_alg_values_supported: ['RS256'], scopes_supported: ['openid'], end_session_endpoint: `${base}/oauth2/v2.0/logout` });
        }
        const form = new URLSearchParams(raw);
        if (tenant !== TENANT || form.get('client_id') !== CLIENT_ID || form.get('client_secret') !== CLIENT_SECRET) {
          return send(401, { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${CLIENT_ID}'.\r\nTrace ID: 0\r\nTimestamp: ${new Date().toISOString()}`, error_codes: [7000215] });
        }
        const token = `fake-arm-access-${issued.size + 1}`;
        issued.add(token);
        return send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: token });
      }
      const lower = parsed.pathname.toLowerCase();
      if (!lower.startsWith(SERVICE_PREFIX)) return send(404, error(404, 'InvalidResourceType', parsed.pathname).body);
      const k = decodeURIComponent(parsed.pathname.slice(SERVICE_PREFIX.length));
      requests.push(`${req.method} ${k}`);
      if (throttled > 0) {
        throttled--;
        return send(429, error(429, 'TooManyRequests', 'Number of read requests for subscription exceeded the limit.').body, { 'retry-after': String(retryAfter) });
      }
      const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      if (!bearer || !issued.has(bearer)) return send(401, error(401, 'InvalidAuthenticationToken', 'The access token is invalid.').body);
      const action = actionOf(req.method ?? 'GET', k);
      if ((req.method === 'GET' && denied.has(k)) || (allowed && !allowed.has(action.toLowerCase()))) return send(403, forbidden(k, action).body);
      if (parsed.searchParams.get('api-version') !== '2024-05-01') return send(400, error(400, 'InvalidApiVersionParameter', 'api-version').body);
      let body: Record<string, unknown> = {};
      try { body = raw ? JSON.parse(raw) as Record<string, unknown> : {}; } catch { /* an action without a body */ }
      const answer = armAnswer(req.method ?? 'GET', k, parsed.searchParams, body);
      send(answer.status, answer.body, answer.headers);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `https://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url, caFile, resources, requests, gatewayKeys,
    throttle(count, seconds) { throttled = count; retryAfter = seconds; },
    deny(keys) { denied = new Set(keys ?? []); },
    allowOnly(actions) { allowed = actions && new Set(actions.map((a) => a.toLowerCase())); },
    settings: () => ({
      'config.arm.serviceResourceId': SERVICE_ID,
      'config.arm.endpoint': url,
      'gateway.name': 'gw1',
      'config.service.auth': 'azureAdApp',
      'config.service.auth.azureAd.authority': url,
      'config.service.auth.azureAd.tenantId': TENANT,
      'config.service.auth.azureAd.clientId': CLIENT_ID,
      'config.service.auth.azureAd.clientSecret': CLIENT_SECRET,
      NODE_EXTRA_CA_CERTS: caFile,
    }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
