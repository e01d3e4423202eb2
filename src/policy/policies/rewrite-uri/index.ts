import type { RequestContext } from '../../context/request-context.ts';
import type { OperationView } from '../../context/views.ts';
import type { PolicyDefinition } from '../../types.ts';
import { isExpression, literalBoolean } from '../shared/attributes.ts';
import { fill, parseUriTemplate, templateQueryNames, type UriTemplate } from './template.ts';

/**
 * rewrite-uri (APIM-REFERENCE §4, §2.3): replaces the backend path and query
 * relative to the backend base URL. `{name}` slots take the operation's
 * matched parameters (path and query ones). With copy-unmatched-params
 * (default true) the request's query parameters that the operation template
 * did not match are carried over — Learn's example: request `/get?a=b&c=d`,
 * operation `/get?a={b}`, template `/put` → `/put?c=d`.
 */

/** Query names matched by each operation's template, computed once per operation view. */
const matchedQueryNames = new WeakMap<OperationView, ReadonlySet<string>>();

const NO_NAMES: ReadonlySet<string> = new Set();

function queryNamesOf(operation: OperationView | null): ReadonlySet<string> {
  if (operation === null) return NO_NAMES;
  let names = matchedQueryNames.get(operation);
  if (names === undefined) {
    names = templateQueryNames(operation.UrlTemplate);
    matchedQueryNames.set(operation, names);
  }
  return names;
}

export const rewriteUri: PolicyDefinition = {
  name: 'rewrite-uri',
  sections: ['inbound'],
  attributes: ['template', 'copy-unmatched-params'],
  compile(element, compiler) {
    const source = element.attributes.get('template');
    if (source === undefined) return compiler.fail('rewrite-uri: template is required', element);
    const copyUnmatched = literalBoolean(element, compiler, 'copy-unmatched-params', true);
    if (isExpression(source)) {
      const template = compiler.string(element, 'template');
      return (context) => rewrite(context, parseUriTemplate(template(context)), copyUnmatched);
    }
    if (source.value.includes('@(') || source.value.includes('@{')) {
      compiler.fail('rewrite-uri: an expression must be the whole template value, not mixed with literal text', source);
    }
    const parsed = parseUriTemplate(source.value.trim());
    return (context) => rewrite(context, parsed, copyUnmatched);
  },
};

function rewrite(context: RequestContext, template: UriTemplate, copyUnmatched: boolean): void {
  const request = context.request;
  const lookup = (name: string): string | undefined => request.matchedParameters.get(name);
  const query = request.url.query;
  const carried: { Key: string; Value: string[] }[] = [];
  if (copyUnmatched) {
    const matched = queryNamesOf(context.route.operation);
    const written = new Set(template.query.map((pair) => pair.name.toLowerCase()));
    for (const entry of query) {
      const lower = entry.Key.toLowerCase();
      if (!matched.has(lower) && !written.has(lower)) carried.push(entry);
    }
  }
  for (const key of query.Keys) query.delete(key);
  for (const pair of template.query) query.append(pair.name, [fill(pair.value, lookup)]);
  for (const { Key, Value } of carried) query.append(Key, Value);
  request.url.relativePath = fill(template.path, lookup);
}
