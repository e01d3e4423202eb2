import { closest } from '../text.ts';
import type { PolicyDefinition } from './types.ts';

/**
 * Element name → policy definition, plus every policy name APIM knows
 * (APIM-REFERENCE §4, §4.1), so a policy apimgw does not implement is named
 * as unsupported instead of unknown — and never silently ignored.
 */

/** Policies of APIM-REFERENCE §4 and §4.1, whether or not apimgw implements them. */
export const APIM_POLICY_NAMES: readonly string[] = [
  'set-header', 'set-query-parameter', 'set-variable', 'set-backend-service', 'rewrite-uri', 'set-method', 'set-status',
  'set-body', 'return-response', 'mock-response', 'choose', 'check-header', 'ip-filter', 'cors', 'validate-jwt',
  'rate-limit', 'rate-limit-by-key', 'quota', 'quota-by-key', 'limit-concurrency', 'forward-request', 'retry',
  'send-request', 'send-one-way-request', 'cache-lookup', 'cache-store', 'cache-lookup-value', 'cache-store-value',
  'cache-remove-value', 'find-and-replace', 'json-to-xml', 'xml-to-json', 'redirect-content-urls',
  'authentication-basic', 'authentication-certificate', 'authentication-managed-identity', 'trace', 'wait',
  'emit-metric', 'log-to-eventhub', 'include-fragment', 'validate-content', 'validate-parameters', 'validate-headers',
  'validate-status-code', 'validate-client-certificate',
  // §4.1
  'proxy', 'xsl-transform', 'cross-domain', 'jsonp', 'get-authorization-context', 'validate-azure-ad-token',
  'validate-graphql-request', 'validate-odata-request', 'publish-to-dapr', 'invoke-dapr-binding', 'http-data-source',
  'sql-data-source', 'cosmosdb-data-source', 'publish-event', 'azure-openai-token-limit', 'llm-token-limit',
  'azure-openai-emit-token-metric', 'llm-emit-token-metric', 'azure-openai-semantic-cache-lookup',
  'azure-openai-semantic-cache-store', 'llm-semantic-cache-lookup', 'llm-semantic-cache-store', 'llm-content-safety',
];

export class PolicyRegistry {
  readonly #definitions = new Map<string, PolicyDefinition>();

  constructor(definitions: readonly PolicyDefinition[]) {
    for (const definition of definitions) {
      if (this.#definitions.has(definition.name)) throw new Error(`policy "${definition.name}" is registered twice`);
      this.#definitions.set(definition.name, definition);
    }
  }

  get(name: string): PolicyDefinition | undefined {
    return this.#definitions.get(name);
  }

  /** Names a document may use: the implemented ones and the known unsupported ones (for did-you-mean). */
  knownNames(): string[] {
    return [...new Set([...this.#definitions.keys(), ...APIM_POLICY_NAMES])];
  }

  /** Why an element name cannot be compiled, or undefined when a definition exists. */
  problem(name: string): string | undefined {
    if (this.#definitions.has(name)) return undefined;
    if (APIM_POLICY_NAMES.includes(name)) return `policy "${name}" is not supported by apimgw`;
    const near = closest(name, this.knownNames());
    return `unknown policy "${name}"${near ? `; did you mean "${near}"?` : ''}`;
  }
}
