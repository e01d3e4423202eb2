import { baseApiId, type Snapshot } from '../config/model.ts';
import { ApimgwError } from '../errors.ts';
import { PolicyCompileError } from './diagnostics.ts';
import { DocumentCompiler, INHERIT_ALL, type DocumentTemplate, type FragmentLibrary, type SectionTemplate } from './document.ts';
import { namedValueMap, parsePolicyDocument, type NamedValues } from './parse.ts';
import { POLICY_DEFINITIONS } from './policies/index.ts';
import { PolicyRegistry } from './registry.ts';
import { secretScrubber } from './secrets.ts';
import type { PolicyServices } from './services.ts';
import { policyDocumentName, type PolicySources } from './sources.ts';
import { SECTIONS, type PolicyElement, type PolicyStep, type Scope, type Section } from './types.ts';

/**
 * A snapshot's policy documents → one plan per (operation, product) a request
 * can take (APIM-REFERENCE §3.2). Each scope's document is parsed and compiled
 * once; plans only compose the compiled step arrays: the operation's section
 * with `<base/>` replaced by the API's, whose `<base/>` is replaced by the
 * product's (none for keyless calls), whose `<base/>` is the global's.
 */

export interface PolicyPlan {
  readonly inbound: readonly PolicyStep[];
  readonly backend: readonly PolicyStep[];
  readonly outbound: readonly PolicyStep[];
  readonly onError: readonly PolicyStep[];
  /** Nothing but forward-request with default attributes: the data plane may stream without building a context. */
  readonly passthrough: boolean;
  /**
   * No outbound policies and a lone top-level forward-request: the backend's
   * response may stream straight to the client, with no buffering step between.
   */
  readonly streamable: boolean;
}

export interface CompiledPolicies {
  plan(apiId: string, operationId: string, productId: string | undefined): PolicyPlan;
  /** The API's own plan, without an operation scope: what runs (its on-error) when no operation of the API matches. */
  apiPlan(apiId: string, productId: string | undefined): PolicyPlan;
}

/** What applies when the snapshot has no global policy (APIM's default global document). */
export const DEFAULT_GLOBAL_POLICY = '<policies><inbound/><backend><forward-request/></backend><outbound/></policies>';
const DEFAULT_GLOBAL_NAME = 'default global policy';

let defaultRegistry: PolicyRegistry | undefined;

export function builtInRegistry(): PolicyRegistry {
  defaultRegistry ??= new PolicyRegistry(POLICY_DEFINITIONS);
  return defaultRegistry;
}

type SectionSteps = Readonly<Record<Section, readonly PolicyStep[]>>;

/** The section's own steps around the parent's, at `<base/>`. */
function expand(template: SectionTemplate, parent: readonly PolicyStep[]): readonly PolicyStep[] {
  if (template.baseAt < 0 || parent.length === 0) return template.steps;
  if (template.steps.length === 0) return parent;
  return [...template.steps.slice(0, template.baseAt), ...parent, ...template.steps.slice(template.baseAt)];
}

function expandAll(template: DocumentTemplate, parent: SectionSteps): SectionSteps {
  const out = {} as Record<Section, readonly PolicyStep[]>;
  for (const section of SECTIONS) out[section] = expand(template[section], parent[section]);
  return out;
}

class SnapshotPolicies {
  readonly snapshot: Snapshot;
  readonly sources: PolicySources;
  readonly namedValues: NamedValues;
  readonly errors: PolicyCompileError[] = [];
  readonly compiler: DocumentCompiler;

  constructor(snapshot: Snapshot, services: PolicyServices, registry: PolicyRegistry, sources: PolicySources) {
    this.snapshot = snapshot;
    this.sources = sources;
    this.namedValues = namedValueMap(snapshot.namedValues);
    this.compiler = new DocumentCompiler(services, registry, this.fragments(), this.errors);
  }

  parse(text: string, name: string): PolicyElement | undefined {
    return parsePolicyDocument(text, this.sources[name] ?? name, this.namedValues, this.errors);
  }

  /** Every fragment parsed and checked once, whether or not a document includes it. */
  fragments(): FragmentLibrary {
    const library = new Map<string, readonly PolicyElement[] | null>();
    for (const { id, policy } of this.snapshot.policyFragments) {
      const root = this.parse(policy, policyDocumentName.fragment(id));
      if (root === undefined) {
        library.set(id, null);
        continue;
      }
      if (root.name !== 'fragment') {
        this.errors.push(new PolicyCompileError(`a policy fragment's root element is <fragment>, found <${root.name}>`, root.location));
        library.set(id, null);
        continue;
      }
      const kept: PolicyElement[] = [];
      for (const child of root.children) {
        if ((SECTIONS as readonly string[]).includes(child.name)) this.errors.push(new PolicyCompileError(`a fragment cannot contain the section <${child.name}>: it holds policies only`, child.location));
        else if (child.name === 'base') this.errors.push(new PolicyCompileError('a fragment cannot contain <base/>', child.location));
        else if (child.name === 'include-fragment') this.errors.push(new PolicyCompileError('a fragment cannot include another fragment', child.location));
        else kept.push(child);
      }
      library.set(id, kept);
    }
    return library;
  }

  template(text: string | undefined, name: string, scope: Scope): DocumentTemplate {
    if (text === undefined) return INHERIT_ALL;
    const root = this.parse(text, name);
    return root === undefined ? INHERIT_ALL : this.compiler.document(root, scope);
  }

  /** The global scope: `<base/>` there has nothing to inline; an absent section is the default document's. */
  global(): SectionSteps {
    const own = this.template(this.snapshot.policy, policyDocumentName.global(), 'global');
    const needsDefault = SECTIONS.some((section) => own[section].missing);
    const fallback = needsDefault ? this.template(DEFAULT_GLOBAL_POLICY, DEFAULT_GLOBAL_NAME, 'global') : INHERIT_ALL;
    const out = {} as Record<Section, readonly PolicyStep[]>;
    for (const section of SECTIONS) out[section] = own[section].missing ? fallback[section].steps : own[section].steps;
    return out;
  }

  isPassthrough(sections: SectionSteps): boolean {
    return sections.inbound.length === 0 && sections.outbound.length === 0 && sections['on-error'].length === 0
      && sections.backend.length === 1 && this.compiler.plainForwards.has(sections.backend[0]!);
  }

  plan(sections: SectionSteps): PolicyPlan {
    return {
      inbound: sections.inbound,
      backend: sections.backend,
      outbound: sections.outbound,
      onError: sections['on-error'],
      passthrough: this.isPassthrough(sections),
      streamable: sections.outbound.length === 0 && sections.backend.length === 1 && sections.backend[0]!.origin.policy === 'forward-request',
    };
  }

  compile(): CompiledPolicies {
    const global = this.global();
    const products = new Map(this.snapshot.products.map((product) => [
      product.id,
      { apis: new Set(product.apis.map(baseApiId)), sections: expandAll(this.template(product.policy, policyDocumentName.product(product.id), 'product'), global) },
    ]));
    const plans = new Map<string, Map<string, Map<string | undefined, PolicyPlan>>>();
    const apiPlans = new Map<string, Map<string | undefined, PolicyPlan>>();
    for (const api of this.snapshot.apis) {
      const apiTemplate = this.template(api.policy, policyDocumentName.api(api.id), 'api');
      const parents: [string | undefined, SectionSteps][] = [[undefined, global]];
      for (const [productId, product] of products) if (product.apis.has(baseApiId(api.id))) parents.push([productId, product.sections]);
      const apiSections = parents.map(([productId, parent]): [string | undefined, SectionSteps] => [productId, expandAll(apiTemplate, parent)]);
      apiPlans.set(api.id, new Map(apiSections.map(([productId, sections]) => [productId, this.plan(sections)])));
      const byOperation = new Map<string, Map<string | undefined, PolicyPlan>>();
      for (const operation of api.operations) {
        const operationTemplate = this.template(operation.policy, policyDocumentName.operation(api.id, operation.id), 'operation');
        byOperation.set(operation.id, new Map(apiSections.map(([productId, parent]) => [productId, this.plan(expandAll(operationTemplate, parent))])));
      }
      plans.set(api.id, byOperation);
    }
    this.checkUnusedFragments();
    if (this.errors.length > 0) throw this.invalid();
    return {
      plan(apiId, operationId, productId) {
        const plan = plans.get(apiId)?.get(operationId)?.get(productId);
        if (plan === undefined) throw new Error(`no policy plan for API "${apiId}" operation "${operationId}"${productId === undefined ? '' : ` product "${productId}"`}`);
        return plan;
      },
      apiPlan(apiId, productId) {
        const plan = apiPlans.get(apiId)?.get(productId);
        if (plan === undefined) throw new Error(`no policy plan for API "${apiId}"${productId === undefined ? '' : ` product "${productId}"`}`);
        return plan;
      },
    };
  }

  /** A fragment nobody includes has no section to compile in, but its policy names can still be wrong. */
  checkUnusedFragments(): void {
    for (const [id, elements] of this.compiler.fragments) {
      if (this.compiler.included.has(id) || elements === null) continue;
      for (const element of elements) {
        const problem = this.compiler.registry.problem(element.name);
        if (problem !== undefined) this.errors.push(new PolicyCompileError(problem, element.location));
      }
    }
  }

  invalid(): ApimgwError {
    const scrub = secretScrubber(this.snapshot);
    const details = [...new Set(this.errors.map((error) => scrub(String(error))))];
    return new ApimgwError('APIMGW_E_CONFIG_INVALID', `${details.length} error${details.length === 1 ? '' : 's'} in policies`, { details });
  }
}

/**
 * Compiles every policy document of a snapshot. Throws APIMGW_E_CONFIG_INVALID
 * carrying every located error. `sources` maps document names
 * (policyDocumentName) to the files they came from.
 */
export function compilePolicies(snapshot: Snapshot, services: PolicyServices, registry: PolicyRegistry = builtInRegistry(), sources: PolicySources = {}): CompiledPolicies {
  return new SnapshotPolicies(snapshot, services, registry, sources).compile();
}
