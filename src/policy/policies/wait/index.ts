import type { RequestContext } from '../../context/request-context.ts';
import { runSteps } from '../../pipeline.ts';
import type { PolicyDefinition, PolicyStep } from '../../types.ts';

/**
 * wait (APIM-REFERENCE §4): runs its immediate children — only send-request,
 * cache-lookup-value and choose — side by side and continues when all (or,
 * with `for="any"`, the first) have finished. APIM terminates the others
 * under `any`; here they run to completion in the background (their results
 * may still land in variables) and their failures are logged, not raised.
 */

const ALLOWED_CHILDREN = new Set(['send-request', 'cache-lookup-value', 'choose']);

export const waitPolicy: PolicyDefinition = {
  name: 'wait',
  sections: ['inbound', 'backend', 'outbound'],
  attributes: ['for'],
  compile(element, compiler) {
    const mode = compiler.choice(element, 'for', ['all', 'any'], 'all');
    for (const child of element.children) {
      if (!ALLOWED_CHILDREN.has(child.name)) compiler.fail(`wait: <${child.name}> cannot run inside wait; only send-request, cache-lookup-value and choose can`, child);
    }
    if (element.children.length === 0) compiler.fail('wait: at least one child policy is required', element);
    const steps = compiler.steps(element.children, `${compiler.origin.path}/`);
    const logger = compiler.services.logger;
    const branch = (step: PolicyStep, context: RequestContext): Promise<void> => Promise.resolve().then(() => runSteps([step], context));

    if (mode === 'all') {
      return async (context) => {
        await Promise.all(steps.map((step) => branch(step, context)));
      };
    }
    return async (context) => {
      const branches = steps.map((step) => branch(step, context));
      for (const pending of branches) {
        pending.catch((error: unknown) => logger.debug({ err: error, requestId: context.requestId }, 'wait for="any": a branch that was not awaited failed'));
      }
      await Promise.any(branches).catch((error: unknown) => {
        throw error instanceof AggregateError ? error.errors[0] : error;
      });
    };
  },
};
