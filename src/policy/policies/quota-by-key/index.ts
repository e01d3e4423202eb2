import type { PolicyDefinition } from '../../types.ts';
import { consumeQuota } from '../quota/counting.ts';

/** quota-by-key: calls (each request counting increment-count) and/or kilobytes per counter-key value per period aligned to first-period-start. */
export const quotaByKey: PolicyDefinition = {
  name: 'quota-by-key',
  sections: ['inbound'],
  attributes: ['calls', 'bandwidth', 'renewal-period', 'counter-key', 'increment-condition', 'increment-count', 'first-period-start'],
  compile(element, compiler) {
    const calls = element.attributes.has('calls') ? compiler.integer(element, 'calls') : undefined;
    const kilobytes = element.attributes.has('bandwidth') ? compiler.integer(element, 'bandwidth') : undefined;
    if (calls === undefined && kilobytes === undefined) compiler.fail('quota-by-key: set calls, bandwidth or both', element);
    const period = compiler.integer(element, 'renewal-period');
    const counterKey = compiler.string(element, 'counter-key');
    const condition = element.attributes.has('increment-condition') ? compiler.boolean(element, 'increment-condition') : undefined;
    // Newer Learn revisions of quota-by-key: "increment-count: The number by which the counter is increased per request", default 1.
    const incrementCount = compiler.integer(element, 'increment-count', 1);
    const start = compiler.optionalLiteral(element, 'first-period-start');
    const periodStartMs = start === undefined ? undefined : Date.parse(start);
    if (periodStartMs !== undefined && Number.isNaN(periodStartMs)) compiler.fail(`quota-by-key: first-period-start "${start}" is not a date (yyyy-MM-ddTHH:mm:ssZ)`, element.attributes.get('first-period-start'));
    const { store } = compiler.services;
    return async (context) => {
      await consumeQuota(store, {
        key: `quota-by-key:${counterKey(context)}`,
        periodSeconds: period(context),
        periodStartMs,
        calls: calls?.(context),
        kilobytes: kilobytes?.(context),
      }, context, condition, incrementCount);
    };
  },
};
