/**
 * Names of the policy documents of a snapshot, as `apimgw config validate`
 * shows them: `apis[orders].operations[get].policy`. A loader that read the
 * documents from files (APIOps) maps these names to the files, so errors say
 * `apis/orders/operations/get/policy.xml:12:5` instead.
 */

/** Document name → the file (or other place) an operator opens to fix it. */
export type PolicySources = Readonly<Record<string, string>>;

export const policyDocumentName = {
  global: (): string => 'policy',
  product: (productId: string): string => `products[${productId}].policy`,
  api: (apiId: string): string => `apis[${apiId}].policy`,
  operation: (apiId: string, operationId: string): string => `apis[${apiId}].operations[${operationId}].policy`,
  fragment: (fragmentId: string): string => `policyFragments[${fragmentId}].policy`,
};
