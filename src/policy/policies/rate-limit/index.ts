import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
import { apiOperationScopes } from '../shared/api-operation-scopes.ts';
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
  return apiOperationScopes('rate-limit', element, compiler)
    // An <api> without calls only groups its operations.
    .filter((scope) => scope.kind === 'operation' || scope.element.attributes.has('calls'))
    .map((scope) => ({
      matches: scope.matches,
      label: scope.label,
      calls: positiveConstant(scope.element, compiler, 'calls'),
      periodSeconds: positiveConstant(scope.element, compiler, 'renewal-period', 300),
    }));
}
