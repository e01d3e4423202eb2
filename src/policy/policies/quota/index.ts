import type { PolicyDefinition } from '../../types.ts';
import { consumeQuota } from './counting.ts';

/**
 * quota: calls and/or kilobytes per subscription per renewal period. Only
 * product scope in APIM; apimgw accepts it where the product's policies go.
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
    const periodSeconds = Number(compiler.literal(element, 'renewal-period'));
    if (!Number.isInteger(periodSeconds) || periodSeconds < 0) compiler.fail('quota: renewal-period must be a whole number of seconds (0: never renews)', element.attributes.get('renewal-period'));
    if (element.children.length > 0) compiler.fail('quota: per-API and per-operation quotas (<api>/<operation>) are not supported yet; use quota-by-key with a key that includes context.Api.Id', element.children[0]);
    const { store } = compiler.services;
    return async (context) => {
      const subscription = context.route.subscription;
      if (!subscription) return;
      await consumeQuota(store, { key: `quota:${subscription.Id}`, periodSeconds, calls, kilobytes }, context);
    };
  },
};

function optionalWhole(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  return Number.isInteger(value) && value >= 0 ? value : Number.NaN;
}
