import { setTimeout as sleep } from 'node:timers/promises';
import { runSteps } from '../../pipeline.ts';
import type { PolicyDefinition } from '../../types.ts';
import { retryDelayMs } from './delay.ts';

/**
 * retry (APIM-REFERENCE §4): runs its child policies once, then again while
 * `condition` (evaluated after every attempt) holds and fewer than `count`
 * retries were made, waiting per delay.ts in between. Any child is allowed;
 * an error inside a child is not retried, it goes to on-error as usual.
 * The request body is buffered before the first attempt (usesBody) so a
 * forward-request or send-request inside can send it again.
 */

const MAX_COUNT = 50;

export const retryPolicy: PolicyDefinition = {
  name: 'retry',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['condition', 'count', 'interval', 'max-interval', 'delta', 'first-fast-retry'],
  compile(element, compiler) {
    const condition = compiler.boolean(element, 'condition');
    const count = compiler.integer(element, 'count');
    const interval = compiler.integer(element, 'interval');
    const maxInterval = element.attributes.has('max-interval') ? compiler.integer(element, 'max-interval') : undefined;
    const delta = element.attributes.has('delta') ? compiler.integer(element, 'delta') : undefined;
    const firstFastRetry = compiler.boolean(element, 'first-fast-retry', false);
    for (const [name, minimum, maximum] of [['count', 1, MAX_COUNT], ['interval', 0, Infinity], ['max-interval', 0, Infinity], ['delta', 0, Infinity]] as const) {
      const attribute = element.attributes.get(name);
      if (attribute && /^\s*[+-]?\d+\s*$/.test(attribute.value)) {
        const value = Number(attribute.value);
        if (value < minimum || value > maximum) compiler.fail(`retry: ${name} must be ${maximum === Infinity ? `at least ${minimum}` : `between ${minimum} and ${maximum}`}, found ${value}`, attribute);
      }
    }
    const steps = compiler.steps(element.children, `${compiler.origin.path}/`);

    const run = async (context: Parameters<typeof runSteps>[1]): Promise<void> => {
      const retries = count(context);
      if (retries < 1 || retries > MAX_COUNT) throw new Error(`retry: count must be between 1 and ${MAX_COUNT}, the expression gave ${retries}`);
      await runSteps(steps, context);
      for (let retry = 1; retry <= retries && !context.ended && condition(context); retry++) {
        const wait = retryDelayMs(retry, {
          intervalSeconds: interval(context),
          deltaSeconds: delta?.(context),
          maxIntervalSeconds: maxInterval?.(context),
          firstFastRetry: firstFastRetry(context),
        });
        if (wait > 0) await sleep(wait, undefined, { signal: context.signal });
        await runSteps(steps, context);
      }
    };
    return { run, usesBody: true };
  },
};
