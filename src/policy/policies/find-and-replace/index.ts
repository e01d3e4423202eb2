import type { PolicyDefinition } from '../../types.ts';
import { targetsRequest } from '../shared/target.ts';

/**
 * find-and-replace (APIM-REFERENCE §4): replaces every occurrence of `from`
 * with `to` (empty deletes) in the body of the message the section works on;
 * plain substrings, no patterns.
 */
export const findAndReplace: PolicyDefinition = {
  name: 'find-and-replace',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['from', 'to'],
  compile(element, compiler) {
    const from = compiler.string(element, 'from');
    const to = compiler.string(element, 'to');
    const onRequest = targetsRequest(compiler.origin.section);
    return {
      usesBody: true,
      run(context) {
        const body = onRequest ? context.request.body : context.response.body;
        if (body === null) return;
        const search = from(context);
        if (search === '') return;
        const text = body.content.toString('utf8');
        if (text.includes(search)) body.replace(text.replaceAll(search, to(context)));
      },
    };
  },
};
