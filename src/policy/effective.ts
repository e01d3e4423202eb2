import { baseApiId, type Snapshot } from '../config/model.ts';
import { ApimgwError } from '../errors.ts';
import { DEFAULT_GLOBAL_POLICY } from './compile.ts';
import { PolicyCompileError } from './diagnostics.ts';
import { policyDocumentName, type PolicySources } from './sources.ts';
import { SECTIONS, type Section } from './types.ts';
import { tokenizePolicyXml, type RawElement } from './xml.ts';

/**
 * The effective policy of one operation (what the portal calls "calculate
 * effective policy"): each section of the operation's document with `<base/>`
 * replaced by the API's, the product's and the global one, as XML. Policies
 * are printed as written — `{{named values}}` unresolved, so no secret is
 * shown — each block preceded by a comment naming the scope it comes from.
 */

interface Block {
  scope: string;
  policies: readonly RawElement[];
}

type Document = Partial<Record<Section, { policies: RawElement[]; baseAt: number }>>;

export interface EffectivePolicyRequest {
  apiId: string;
  operationId: string;
  /** The product the call comes through; none for keyless calls and all-APIs subscriptions. */
  productId?: string;
}

export function effectivePolicy(snapshot: Snapshot, request: EffectivePolicyRequest, sources: PolicySources = {}): string {
  const api = snapshot.apis.find((candidate) => candidate.id === request.apiId);
  if (!api) throw notFound(`API "${request.apiId}"`, snapshot.apis.map((a) => a.id));
  const operation = api.operations.find((candidate) => candidate.id === request.operationId);
  if (!operation) throw notFound(`operation "${request.operationId}" of API "${api.id}"`, api.operations.map((o) => o.id));
  let product: Snapshot['products'][number] | undefined;
  if (request.productId !== undefined) {
    product = snapshot.products.find((candidate) => candidate.id === request.productId);
    if (!product) throw notFound(`product "${request.productId}"`, snapshot.products.map((p) => p.id));
    if (!product.apis.map(baseApiId).includes(baseApiId(api.id))) {
      throw new ApimgwError('APIMGW_E_CONFIG_INVALID', `product "${product.id}" does not hold API "${api.id}"`, { hint: 'Pick one of the products listing the API, or leave out --product.' });
    }
  }

  const parse = (text: string | undefined, name: string): Document | undefined => (text === undefined ? undefined : documentOf(text, sources[name] ?? name));
  const global = parse(snapshot.policy, policyDocumentName.global());
  const fallback = parse(DEFAULT_GLOBAL_POLICY, 'default global policy')!;
  const layers: [string, Document | undefined][] = [
    [`product ${product?.id}`, product ? parse(product.policy, policyDocumentName.product(product.id)) : undefined],
    [`api ${api.id}`, parse(api.policy, policyDocumentName.api(api.id))],
    [`operation ${operation.id}`, parse(operation.policy, policyDocumentName.operation(api.id, operation.id))],
  ];

  const lines = ['<policies>'];
  for (const section of SECTIONS) {
    const own = global?.[section];
    let blocks: Block[] = own ? [{ scope: 'global', policies: own.policies }] : [{ scope: global ? 'global (default)' : 'default global policy', policies: fallback[section]?.policies ?? [] }];
    for (const [scope, document] of layers) {
      const part = document?.[section];
      // A missing document or section inherits; a section without <base/> drops what it would inherit.
      if (!part) continue;
      const mine = { before: part.policies.slice(0, Math.max(part.baseAt, 0)), after: part.policies.slice(Math.max(part.baseAt, 0)) };
      blocks = part.baseAt < 0
        ? [{ scope, policies: part.policies }]
        : [{ scope, policies: mine.before }, ...blocks, { scope, policies: mine.after }];
    }
    lines.push(`  <${section}>`);
    for (const block of blocks) {
      if (block.policies.length === 0) continue;
      lines.push(`    <!-- ${block.scope} -->`);
      for (const policy of block.policies) lines.push(`    ${render(policy)}`);
    }
    lines.push(`  </${section}>`);
  }
  lines.push('</policies>');
  return `${lines.join('\n')}\n`;
}

function documentOf(text: string, file: string): Document {
  let root: RawElement;
  try {
    root = tokenizePolicyXml(text, file);
  } catch (error) {
    if (error instanceof PolicyCompileError) throw new ApimgwError('APIMGW_E_CONFIG_PARSE', String(error));
    throw error;
  }
  const document: Document = {};
  for (const child of root.children) {
    if (!(SECTIONS as readonly string[]).includes(child.name)) continue;
    const baseAt = child.children.findIndex((policy) => policy.name === 'base');
    document[child.name as Section] = { policies: child.children.filter((policy) => policy.name !== 'base'), baseAt };
  }
  return document;
}

/** The element as written: attributes verbatim, content exactly as in the source. */
function render(element: RawElement): string {
  const attributes = element.attributes.map((attribute) => ` ${attribute.name}="${attribute.raw}"`).join('');
  return element.inner === undefined ? `<${element.name}${attributes} />` : `<${element.name}${attributes}>${element.inner.raw}</${element.name}>`;
}

function notFound(what: string, known: readonly string[]): ApimgwError {
  return new ApimgwError('APIMGW_E_CONFIG_INVALID', `${what} is not in the configuration`, { hint: `Known: ${known.join(', ') || 'none'}.` });
}
