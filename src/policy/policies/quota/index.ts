import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
import { apiOperationScopes, type ApiOperationScope } from '../shared/api-operation-scopes.ts';
import { checkQuota, consumeQuota, type QuotaLimits } from './counting.ts';

interface ScopedQuota {
  /** Which API/operation the quota is for: by id when given (id wins over name), else by name. */
  matches: (context: RequestContext) => boolean;
  label: string;
  calls?: number;
  kilobytes?: number;
  periodSeconds: number;
}

/**
 * quota: calls and/or kilobytes per subscription per renewal period, with
 * optional per-API and per-operation quotas (`<api>`/`<operation>` children,
 * as rate-limit has) counted independently. Only product scope in APIM;
 * apimgw accepts it where the product's policies go.
 * Periods are aligned to the subscription start, which snapshots do not
 * carry: they fall back to APIM's quota-by-key anchor, 0001-01-01.
 */
export const quota: PolicyDefinition = {
  name: 'quota',
  sections: ['inbound'],
  attributes: ['calls', 'bandwidth', 'renewal-period'],
  compile(element, compiler) {
    const calls = optionalWhole(compiler.optionalLiteral(element, 'calls'));
    const kilobytes = optionalWhole(compiler.optionalLiteral(element, 'bandwidth'));
    if (calls === undefined && kilobytes === undefined) compiler.fail('quota: set calls, bandwidth or both (as whole numbers)', element);
    const periodSeconds = renewalPeriod(element, compiler);
    const scoped = compileScopedQuotas(element, compiler);
    const { store } = compiler.services;
    return async (context) => {
      const subscription = context.route.subscription;
      if (!subscription) return;
      const limits: QuotaLimits[] = [{ key: `quota:${subscription.Id}`, periodSeconds, calls, kilobytes }];
      for (const quota of scoped) {
        if (quota.matches(context)) limits.push({ key: `quota:${subscription.Id}:${quota.label}`, periodSeconds: quota.periodSeconds, calls: quota.calls, kilobytes: quota.kilobytes });
      }
      // Every applicable quota is checked before any counts the call.
      if (limits.length > 1) for (const limit of limits) await checkQuota(store, limit);
      for (const limit of limits) await consumeQuota(store, limit, context);
    };
  },
};

function renewalPeriod(element: PolicyElement, compiler: PolicyCompiler): number {
  const periodSeconds = Number(compiler.literal(element, 'renewal-period'));
  if (!Number.isInteger(periodSeconds) || periodSeconds < 0) compiler.fail(`${element.name === 'quota' ? 'quota' : `quota <${element.name}>`}: renewal-period must be a whole number of seconds (0: never renews)`, element.attributes.get('renewal-period'));
  return periodSeconds;
}

function scopedQuota(scope: ApiOperationScope, compiler: PolicyCompiler): ScopedQuota {
  const { element } = scope;
  const calls = optionalWhole(compiler.optionalLiteral(element, 'calls'));
  const kilobytes = optionalWhole(compiler.optionalLiteral(element, 'bandwidth'));
  if (calls === undefined && kilobytes === undefined) compiler.fail(`quota <${element.name}>: set calls, bandwidth or both (as whole numbers)`, element);
  return { matches: scope.matches, label: scope.label, calls, kilobytes, periodSeconds: renewalPeriod(element, compiler) };
}

function compileScopedQuotas(element: PolicyElement, compiler: PolicyCompiler): ScopedQuota[] {
  return apiOperationScopes('quota', element, compiler)
    // An <api> without calls or bandwidth only groups its operations.
    .filter((scope) => scope.kind === 'operation' || scope.element.attributes.has('calls') || scope.element.attributes.has('bandwidth'))
    .map((scope) => scopedQuota(scope, compiler));
}

function optionalWhole(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) && value >= 0 ? value : Number.NaN;
}
