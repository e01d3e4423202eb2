import { LiquidSyntaxError } from './expression.ts';
import { findFilter, type Filter } from './filters.ts';
import { render } from './render.ts';
import { parseTemplate, type Node } from './template.ts';

export { LiquidSyntaxError };

/** A Liquid template compiled once; `render` fills it per request. */
export interface LiquidTemplate {
  render(globals: Record<string, unknown>): string;
}

/** Parses the template and resolves every filter name now, so an unknown filter is a compile error. */
export function compileLiquid(source: string): LiquidTemplate {
  const nodes = parseTemplate(source);
  const filters = new Map<string, Filter>();
  collectFilters(nodes, filters);
  return { render: (globals) => render(nodes, globals, filters) };
}

function collectFilters(nodes: readonly Node[], filters: Map<string, Filter>): void {
  const use = (name: string): void => {
    const filter = findFilter(name);
    if (filter === undefined) throw new LiquidSyntaxError(`unknown filter "${name}"`);
    filters.set(name, filter);
  };
  for (const node of nodes) {
    switch (node.kind) {
      case 'output':
      case 'assign':
        for (const call of node.expr.filters) use(call.name);
        break;
      case 'if':
        for (const branch of node.branches) collectFilters(branch.body, filters);
        collectFilters(node.otherwise, filters);
        break;
      case 'case':
        for (const when of node.whens) collectFilters(when.body, filters);
        collectFilters(node.otherwise, filters);
        break;
      case 'for':
        collectFilters(node.body, filters);
        collectFilters(node.otherwise, filters);
        break;
      case 'capture':
        collectFilters(node.body, filters);
        break;
    }
  }
}
