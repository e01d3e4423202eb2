import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
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

function scopedQuota(element: PolicyElement, compiler: PolicyCompiler, matches: (context: RequestContext) => boolean, label: string): ScopedQuota {
  const calls = optionalWhole(compiler.optionalLiteral(element, 'calls'));
  const kilobytes = optionalWhole(compiler.optionalLiteral(element, 'bandwidth'));
  if (calls === undefined && kilobytes === undefined) compiler.fail(`quota <${element.name}>: set calls, bandwidth or both (as whole numbers)`, element);
  return { matches, label, calls, kilobytes, periodSeconds: renewalPeriod(element, compiler) };
}

function compileScopedQuotas(element: PolicyElement, compiler: PolicyCompiler): ScopedQuota[] {
  const quotas: ScopedQuota[] = [];
  for (const api of element.children) {
    if (api.name !== 'api') compiler.fail(`quota: unexpected <${api.name}>; only <api> elements (holding <operation> elements) may appear inside`, api);
    const apiMatch = target(api, compiler, (context) => context.route.api.Id, (context) => context.route.api.Name);
    if (api.attributes.has('calls') || api.attributes.has('bandwidth')) quotas.push(scopedQuota(api, compiler, apiMatch.matches, `api:${apiMatch.label}`));
    for (const operation of api.children) {
      if (operation.name !== 'operation') compiler.fail(`quota: unexpected <${operation.name}> inside <api>; only <operation> may appear there`, operation);
      const operationMatch = target(operation, compiler, (context) => context.route.operation?.Id ?? '', (context) => context.route.operation?.Name ?? '');
      quotas.push(scopedQuota(operation, compiler, (context) => apiMatch.matches(context) && operationMatch.matches(context), `api:${apiMatch.label}:operation:${operationMatch.label}`));
    }
  }
  return quotas;
}

function target(element: PolicyElement, compiler: PolicyCompiler, idOf: (context: RequestContext) => string, nameOf: (context: RequestContext) => string) {
  const id = compiler.optionalLiteral(element, 'id');
  const name = compiler.optionalLiteral(element, 'name');
  if (id !== undefined) return { matches: (context: RequestContext) => idOf(context) === id, label: `id=${id}` };
  if (name !== undefined) return { matches: (context: RequestContext) => nameOf(context) === name, label: `name=${name}` };
  return compiler.fail(`quota: <${element.name}> needs a name or an id attribute`, element);
}

function optionalWhole(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) && value >= 0 ? value : Number.NaN;
}
