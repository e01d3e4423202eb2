import { formatLocation } from '../../diagnostics.ts';
import type { HeaderDictionary } from '../../context/message.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement, ValueOf } from '../../types.ts';
import { childrenNamed, choiceOrExpression, isExpression } from '../shared/attributes.ts';
import { headersOf } from '../shared/target.ts';

/**
 * set-header (APIM-REFERENCE §4): inbound/backend → the backend request's
 * headers, outbound/on-error → the client response's.
 */

export const EXISTS_ACTIONS = ['override', 'skip', 'append', 'delete'] as const;
export type ExistsAction = (typeof EXISTS_ACTIONS)[number];

/**
 * Framing headers the gateway owns: APIM does not let set-header touch them
 * (and cannot remove `Server`). APIM accepts such a policy and leaves the
 * header alone, so apimgw does too, with a warning when the name is constant.
 */
const UNTOUCHABLE = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding']);
const UNDELETABLE = new Set(['server']);

export const setHeader: PolicyDefinition = {
  name: 'set-header',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'exists-action'],
  compile(element, compiler) {
    const edit = compileHeaderEdit(element, compiler);
    const headersFor = headersOf(compiler.origin.section);
    return (context) => edit(context, headersFor(context));
  },
};

/** The header change a set-header element describes, applied to any header set (return-response, send-request use it too). */
export function compileHeaderEdit(element: PolicyElement, compiler: PolicyCompiler): (context: RequestContext, headers: HeaderDictionary) => void {
  const nameAttribute = element.attributes.get('name');
  const name = compiler.string(element, 'name');
  const action = choiceOrExpression(element, compiler, 'exists-action', EXISTS_ACTIONS, 'override');
  const values: ValueOf<string>[] = childrenNamed(element, compiler, ['value']).map((child) => compiler.text(child) ?? (() => ''));
  if (nameAttribute !== undefined && !isExpression(nameAttribute)) {
    const lower = nameAttribute.value.trim().toLowerCase();
    if (UNTOUCHABLE.has(lower) || (UNDELETABLE.has(lower) && element.attributes.get('exists-action')?.value.trim() === 'delete')) {
      compiler.services.logger.warn({ policy: 'set-header', header: nameAttribute.value.trim(), location: formatLocation(nameAttribute.location) }, 'set-header on a header the gateway manages has no effect');
    }
  }
  return (context, headers) => {
    const header = name(context);
    const lower = header.toLowerCase();
    if (UNTOUCHABLE.has(lower)) return;
    switch (action(context)) {
      case 'delete':
        if (!UNDELETABLE.has(lower)) headers.delete(header);
        return;
      case 'skip':
        if (!headers.has(header)) headers.set(header, evaluateAll(values, context));
        return;
      case 'append':
        headers.append(header, evaluateAll(values, context));
        return;
      case 'override':
        headers.set(header, evaluateAll(values, context));
    }
  };
}

export function evaluateAll<C>(values: readonly ((context: C) => string)[], context: C): string[] {
  const result: string[] = [];
  for (const value of values) result.push(value(context));
  return result;
}
