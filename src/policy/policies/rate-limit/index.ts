import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
import { compileReporting, consumeWindows, positiveConstant, report, REPORTING_ATTRIBUTES, type Window } from './limiter.ts';

interface ScopedLimit {
  /** Which API/operation the limit is for: by id when given (id wins over name), else by name. */
  matches: (context: RequestContext) => boolean;
  label: string;
  calls: number;
  periodSeconds: number;
}

/**
 * rate-limit: calls per subscription in a sliding window, with optional
 * per-API and per-operation limits (`<api>`/`<operation>` children) counted
 * independently. Applies only to calls made with a subscription key.
 */
export const rateLimit: PolicyDefinition = {
  name: 'rate-limit',
  sections: ['inbound'],
  attributes: ['calls', 'renewal-period', ...REPORTING_ATTRIBUTES],
  compile(element, compiler) {
    const calls = positiveConstant(element, compiler, 'calls');
    const periodSeconds = positiveConstant(element, compiler, 'renewal-period', 300);
    const reporting = compileReporting(element, compiler);
    const scoped = compileScopedLimits(element, compiler);
    const { store } = compiler.services;
    return async (context) => {
      const subscription = context.route.subscription;
      if (!subscription) return;
      const windows: Window[] = [{ key: `rate-limit:${subscription.Id}`, calls, periodSeconds }];
      for (const limit of scoped) {
        if (limit.matches(context)) windows.push({ key: `rate-limit:${subscription.Id}:${limit.label}`, calls: limit.calls, periodSeconds: limit.periodSeconds });
      }
      const remaining = await consumeWindows(store, windows, 1, reporting, context);
      report(reporting, context, () => remaining, calls);
    };
  },
};

function compileScopedLimits(element: PolicyElement, compiler: PolicyCompiler): ScopedLimit[] {
  const limits: ScopedLimit[] = [];
  for (const api of element.children) {
    if (api.name !== 'api') compiler.fail(`rate-limit: unexpected <${api.name}>; only <api> elements (holding <operation> elements) may appear inside`, api);
    const apiMatch = target(api, compiler, (context) => context.route.api.Id, (context) => context.route.api.Name);
    if (api.attributes.has('calls')) {
      limits.push({ matches: apiMatch.matches, label: `api:${apiMatch.label}`, calls: positiveConstant(api, compiler, 'calls'), periodSeconds: positiveConstant(api, compiler, 'renewal-period', 300) });
    }
    for (const operation of api.children) {
      if (operation.name !== 'operation') compiler.fail(`rate-limit: unexpected <${operation.name}> inside <api>; only <operation> may appear there`, operation);
      const operationMatch = target(operation, compiler, (context) => context.route.operation?.Id ?? '', (context) => context.route.operation?.Name ?? '');
      limits.push({
        matches: (context) => apiMatch.matches(context) && operationMatch.matches(context),
        label: `api:${apiMatch.label}:operation:${operationMatch.label}`,
        calls: positiveConstant(operation, compiler, 'calls'),
        periodSeconds: positiveConstant(operation, compiler, 'renewal-period', 300),
      });
    }
  }
  return limits;
}

function target(element: PolicyElement, compiler: PolicyCompiler, idOf: (context: RequestContext) => string, nameOf: (context: RequestContext) => string) {
  const id = compiler.optionalLiteral(element, 'id');
  const name = compiler.optionalLiteral(element, 'name');
  if (id !== undefined) return { matches: (context: RequestContext) => idOf(context) === id, label: `id=${id}` };
  if (name !== undefined) return { matches: (context: RequestContext) => nameOf(context) === name, label: `name=${name}` };
  return compiler.fail(`rate-limit: <${element.name}> needs a name or an id attribute`, element);
}
