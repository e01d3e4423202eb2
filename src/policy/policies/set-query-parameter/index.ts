import type { PolicyDefinition, ValueOf } from '../../types.ts';
import { childrenNamed, choiceOrExpression, isExpression } from '../shared/attributes.ts';
import { EXISTS_ACTIONS, evaluateAll } from '../set-header/index.ts';

/** set-query-parameter (APIM-REFERENCE §4): edits the backend request URL's query, same exists-action rules as set-header. */
export const setQueryParameter: PolicyDefinition = {
  name: 'set-query-parameter',
  sections: ['inbound', 'backend'],
  attributes: ['name', 'exists-action'],
  compile(element, compiler) {
    const name = compiler.string(element, 'name');
    const action = choiceOrExpression(element, compiler, 'exists-action', EXISTS_ACTIONS, 'override');
    const values: ValueOf<string>[] = childrenNamed(element, compiler, ['value']).map((child) => compiler.text(child) ?? (() => ''));
    const actionSource = element.attributes.get('exists-action');
    const mayDelete = actionSource !== undefined && (isExpression(actionSource) || actionSource.value.trim() === 'delete');
    if (values.length === 0 && !mayDelete) compiler.fail('set-query-parameter: at least one <value> is required', element);
    return (context) => {
      const parameter = name(context);
      const query = context.request.url.query;
      switch (action(context)) {
        case 'delete':
          query.delete(parameter);
          return;
        case 'skip':
          if (!query.has(parameter)) query.set(parameter, evaluateAll(values, context));
          return;
        case 'append':
          query.append(parameter, evaluateAll(values, context));
          return;
        case 'override':
          query.set(parameter, evaluateAll(values, context));
      }
    };
  },
};
