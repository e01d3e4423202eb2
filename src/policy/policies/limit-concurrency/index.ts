import { PolicyFailure } from '../../failure.ts';
import { runSteps } from '../../pipeline.ts';
import type { PolicyDefinition } from '../../types.ts';

/**
 * limit-concurrency: at most max-count requests with the same key run the
 * enclosed policies at once; the next one fails at once with 429 (APIM does
 * not queue). The slot is held until the enclosed policies finish, and given
 * back even when they fail.
 */
export const limitConcurrency: PolicyDefinition = {
  name: 'limit-concurrency',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['key', 'max-count'],
  compile(element, compiler) {
    const key = compiler.string(element, 'key');
    const maxText = compiler.literal(element, 'max-count');
    const max = Number(maxText);
    if (!Number.isInteger(max) || max < 1) compiler.fail(`limit-concurrency: max-count must be a positive whole number, not "${maxText}"`, element.attributes.get('max-count'));
    const steps = compiler.steps(element.children, '');
    const { store } = compiler.services;
    return async (context) => {
      const lease = await store.acquireLease({ key: `limit-concurrency:${key(context)}`, max });
      // The text is not documented; LastError names the cause precisely.
      if (!lease.acquired) throw new PolicyFailure(429, 'ConcurrencyLimitExceeded', 'Too many concurrent requests. Concurrency limit exceeded.');
      try {
        await runSteps(steps, context);
      } finally {
        await store.releaseLease(lease.lease);
      }
    };
  },
};
