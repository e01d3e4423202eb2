import { z } from 'zod';

/**
 * The snapshot: everything the data plane needs, immutable once applied.
 * Shapes follow the APIM ARM resources (2024-05-01) so ARM and APIOps data
 * map onto it one to one. It is also the format of a local YAML/JSON config.
 */

const name = z.string().min(1);

export const TemplateParameterSchema = z.object({
  name,
  type: z.string().optional(),
  required: z.boolean().optional(),
  values: z.array(z.string()).optional(),
  description: z.string().optional(),
}).loose();

export const OperationSchema = z.object({
  id: name,
  name: z.string().optional(),
  method: z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be an HTTP method token'),
  urlTemplate: z.string().min(1).max(1000).refine((t) => t.startsWith('/'), 'must start with "/"'),
  templateParameters: z.array(TemplateParameterSchema).default([]),
  policy: z.string().optional(),
}).strict();

export const VersionSetSchema = z.object({
  id: z.string().optional(),
  name: z.string().optional(),
  versioningScheme: z.enum(['Segment', 'Query', 'Header']),
  versionQueryName: z.string().min(1).optional(),
  versionHeaderName: z.string().min(1).optional(),
}).strict().superRefine((set, ctx) => {
  if (set.versioningScheme === 'Query' && !set.versionQueryName) ctx.addIssue({ code: 'custom', path: ['versionQueryName'], message: 'required with versioningScheme Query' });
  if (set.versioningScheme === 'Header' && !set.versionHeaderName) ctx.addIssue({ code: 'custom', path: ['versionHeaderName'], message: 'required with versioningScheme Header' });
});

export const ApiSchema = z.object({
  id: name,
  name: z.string().optional(),
  path: z.string().max(400).default(''),
  serviceUrl: z.url({ protocol: /^https?$/ }).optional(),
  protocols: z.array(z.enum(['http', 'https', 'ws', 'wss'])).default(['http', 'https']),
  subscriptionRequired: z.boolean().default(true),
  subscriptionKeyParameterNames: z.object({
    header: z.string().min(1).default('Ocp-Apim-Subscription-Key'),
    query: z.string().min(1).default('subscription-key'),
  }).strict().default({ header: 'Ocp-Apim-Subscription-Key', query: 'subscription-key' }),
  apiVersion: z.string().optional(),
  apiVersionSet: VersionSetSchema.optional(),
  apiRevision: z.string().regex(/^[1-9][0-9]*$/, 'must be a positive integer').default('1'),
  isCurrent: z.boolean().default(true),
  isOnline: z.boolean().default(true),
  policy: z.string().optional(),
  operations: z.array(OperationSchema).default([]),
}).strict();

export const ProductSchema = z.object({
  id: name,
  name: z.string().optional(),
  state: z.enum(['published', 'notPublished']).default('published'),
  subscriptionRequired: z.boolean().default(true),
  apis: z.array(name).default([]),
  policy: z.string().optional(),
}).strict();

export const SubscriptionSchema = z.object({
  id: name,
  name: z.string().optional(),
  scope: z.string().regex(/^\/(apis|apis\/[^/]+|products\/[^/]+)$/, 'must be "/apis", "/apis/<apiId>" or "/products/<productId>"'),
  state: z.enum(['active', 'suspended', 'submitted', 'rejected', 'cancelled', 'expired']).default('active'),
  primaryKey: z.string().min(1).optional(),
  secondaryKey: z.string().min(1).optional(),
}).strict();

export const NamedValueSchema = z.object({
  name,
  value: z.string().default(''),
  secret: z.boolean().default(false),
}).strict();

/** ARM ids (`/subscriptions/…/certificates/contoso`) and bare names both name a certificate by its last segment. */
const certificateRef = name.transform((id) => id.slice(id.lastIndexOf('/') + 1));

export const BackendSchema = z.object({
  id: name,
  url: z.url({ protocol: /^https?$/ }),
  protocol: z.string().default('http'),
  description: z.string().optional(),
  /** ARM backend `tls`: both checks on unless turned off for this backend. */
  tls: z.object({
    validateCertificateChain: z.boolean().default(true),
    validateCertificateName: z.boolean().default(true),
  }).loose().optional(),
  /** ARM backend `credentials`; `certificateIds` are the client certificates presented to the backend (mTLS). */
  credentials: z.object({ certificateIds: z.array(certificateRef).optional() }).loose().optional(),
}).loose();

/**
 * A certificate (ARM `certificates/{id}`): `data` is the Base64 PFX (or PEM
 * text) with its `password`, as ARM takes it; `path` (+ `keyPath`) names a
 * PEM or PFX file instead, which the gateway re-reads when it changes.
 */
export const CertificateSchema = z.object({
  id: name,
  data: z.string().min(1).optional(),
  password: z.string().optional(),
  path: z.string().min(1).optional(),
  keyPath: z.string().min(1).optional(),
  subject: z.string().optional(),
  thumbprint: z.string().optional(),
  expirationDate: z.string().optional(),
}).strict().refine((c) => (c.data === undefined) !== (c.path === undefined), 'exactly one of data or path is required');

/** ARM `gateways/{g}/hostnameConfigurations`: the certificate served for a host name (SNI) and its TLS options. */
export const HostnameSchema = z.object({
  hostname: z.string().min(1).regex(/^(\*\.)?[A-Za-z0-9.-]+$/, 'must be a host name, optionally starting with "*."'),
  certificateId: certificateRef,
  negotiateClientCertificate: z.boolean().default(false),
  tls10Enabled: z.boolean().default(false),
  tls11Enabled: z.boolean().default(false),
  http2Enabled: z.boolean().default(false),
}).strict();

/** ARM `gateways/{g}/certificateAuthorities`: CAs that client certificates chain to (validate-client-certificate, Verify()). */
export const CertificateAuthoritySchema = z.object({
  certificateId: certificateRef,
  isTrusted: z.boolean().default(true),
}).strict();

export const SnapshotSchema = z.object({
  schemaVersion: z.literal(1).default(1),
  revision: z.string().optional(),
  gateway: z.object({
    name: z.string().optional(),
    hostnames: z.array(HostnameSchema).default([]),
    certificateAuthorities: z.array(CertificateAuthoritySchema).default([]),
  }).loose().optional(),
  policy: z.string().optional(),
  namedValues: z.array(NamedValueSchema).default([]),
  policyFragments: z.array(z.object({ id: name, policy: z.string() }).strict()).default([]),
  backends: z.array(BackendSchema).default([]),
  apis: z.array(ApiSchema).default([]),
  products: z.array(ProductSchema).default([]),
  subscriptions: z.array(SubscriptionSchema).default([]),
  certificates: z.array(CertificateSchema).default([]),
}).strict();

export type Snapshot = z.infer<typeof SnapshotSchema>;
export type Api = z.infer<typeof ApiSchema>;
export type Operation = z.infer<typeof OperationSchema>;
export type Product = z.infer<typeof ProductSchema>;
export type Subscription = z.infer<typeof SubscriptionSchema>;
export type VersionSet = z.infer<typeof VersionSetSchema>;
export type Backend = z.infer<typeof BackendSchema>;
export type Certificate = z.infer<typeof CertificateSchema>;
export type Hostname = z.infer<typeof HostnameSchema>;

/** `orders;rev=2` → `orders`: versions and revisions of one API share the base id in subscription scopes. */
export function baseApiId(id: string): string {
  const marker = id.indexOf(';rev=');
  return marker === -1 ? id : id.slice(0, marker);
}
