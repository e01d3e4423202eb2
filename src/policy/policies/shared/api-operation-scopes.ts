import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyElement } from '../../types.ts';

/**
 * The `<api>`/`<operation>` children of rate-limit and quota: each names an
 * API (or an operation of one) by id, which wins, or by name, and may carry
 * its own limit attributes, counted under its own key.
 */
export interface ApiOperationScope {
  kind: 'api' | 'operation';
  /** The child element, for its limit attributes. */
  element: PolicyElement;
  matches: (context: RequestContext) => boolean;
  /** Appended to the policy's counter key: `api:id=…` or `api:id=…:operation:name=…`. */
  label: string;
}

export function apiOperationScopes(policy: string, element: PolicyElement, compiler: PolicyCompiler): ApiOperationScope[] {
  const scopes: ApiOperationScope[] = [];
  for (const api of element.children) {
    if (api.name !== 'api') compiler.fail(`${policy}: unexpected <${api.name}>; only <api> elements (holding <operation> elements) may appear inside`, api);
    const apiMatch = target(policy, api, compiler, (context) => context.route.api.Id, (context) => context.route.api.Name);
    const apiLabel = `api:${apiMatch.label}`;
    scopes.push({ kind: 'api', element: api, matches: apiMatch.matches, label: apiLabel });
    for (const operation of api.children) {
      if (operation.name !== 'operation') compiler.fail(`${policy}: unexpected <${operation.name}> inside <api>; only <operation> may appear there`, operation);
      const operationMatch = target(policy, operation, compiler, (context) => context.route.operation?.Id ?? '', (context) => context.route.operation?.Name ?? '');
      scopes.push({
        kind: 'operation',
        element: operation,
        matches: (context) => apiMatch.matches(context) && operationMatch.matches(context),
        label: `${apiLabel}:operation:${operationMatch.label}`,
      });
    }
  }
  return scopes;
}

function target(policy: string, element: PolicyElement, compiler: PolicyCompiler, idOf: (context: RequestContext) => string, nameOf: (context: RequestContext) => string) {
  const id = compiler.optionalLiteral(element, 'id');
  const name = compiler.optionalLiteral(element, 'name');
  if (id !== undefined) return { matches: (context: RequestContext) => idOf(context) === id, label: `id=${id}` };
  if (name !== undefined) return { matches: (context: RequestContext) => nameOf(context) === name, label: `name=${name}` };
  return compiler.fail(`${policy}: <${element.name}> needs a name or an id attribute`, element);
}
