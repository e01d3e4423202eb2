import { isExpression } from '../../expression/index.ts';
import type { PolicyDefinition } from '../../types.ts';
import { compileReporting, consumeWindows, REPORTING_ATTRIBUTES, report } from '../rate-limit/limiter.ts';

/**
 * rate-limit-by-key: one sliding window per counter-key value, shared by
 * every scope using the same key. With an increment-condition or an
 * expression increment-count the call is counted once the response is known
 * (the APIM doc's example tests context.Response.StatusCode); until then it
 * is only checked against the window.
 */
export const rateLimitByKey: PolicyDefinition = {
  name: 'rate-limit-by-key',
  sections: ['inbound'],
  attributes: ['calls', 'renewal-period', 'counter-key', 'increment-condition', 'increment-count', ...REPORTING_ATTRIBUTES],
  compile(element, compiler) {
    const calls = compiler.integer(element, 'calls');
    const period = compiler.integer(element, 'renewal-period');
    const counterKey = compiler.string(element, 'counter-key');
    const condition = element.attributes.has('increment-condition') ? compiler.boolean(element, 'increment-condition') : undefined;
    const incrementCount = compiler.integer(element, 'increment-count', 1);
    const deferred = condition !== undefined || isExpression(element.attributes.get('increment-count')?.value ?? '');
    const reporting = compileReporting(element, compiler);
    const { store } = compiler.services;
    return async (context) => {
      const limit = calls(context);
      const periodSeconds = Math.min(period(context), 300);
      const key = `rate-limit-by-key:${counterKey(context)}`;
      let remaining = await consumeWindows(store, [{ key, calls: limit, periodSeconds }], deferred ? 0 : incrementCount(context), reporting, context);
      if (deferred) {
        context.beforeResponse.push(async () => {
          if (condition && !condition(context)) return;
          const amount = incrementCount(context);
          if (amount > 0) remaining = (await store.addRate({ key, periodSeconds, amount, limit })).remaining;
        });
      }
      report(reporting, context, () => remaining, limit);
    };
  },
};
