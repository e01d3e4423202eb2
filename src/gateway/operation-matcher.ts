import type { Operation } from '../config/model.ts';
import { escapeRegExp } from '../text.ts';

/**
 * One operation's urlTemplate compiled for matching: literal segments are
 * compared as lower-case strings, `{name}` takes one segment, `{*name}` or a
 * final `*` takes the rest. Segments mixing text and parameters (`{id}.json`)
 * get a regular expression, built here once — never per request.
 */

type SegmentMatcher =
  | { kind: 'literal'; text: string }
  | { kind: 'param'; name: string }
  | { kind: 'pattern'; regex: RegExp; names: string[] };

interface QueryRequirement {
  name: string;
  /** A fixed value the query parameter must have (`?type=csv`), or undefined when any value matches (`?date={date}`). */
  value?: string;
  param?: string;
}

export interface CompiledOperation {
  operation: Operation;
  method: string;
  segments: SegmentMatcher[];
  /** Name of the rest-of-path parameter, when the template ends with `{*name}` or `*`. */
  rest?: string;
  query: QueryRequirement[];
}

export type MatchedParameters = Array<[string, string]>;

function compileSegment(raw: string): SegmentMatcher {
  const whole = /^\{([^{}*]+)\}$/.exec(raw);
  if (whole) return { kind: 'param', name: whole[1]! };
  if (!raw.includes('{')) return { kind: 'literal', text: raw.toLowerCase() };
  const names: string[] = [];
  const source = raw.replace(/\{([^{}]+)\}|([^{}]+)/g, (_, name: string | undefined, text: string | undefined) => {
    if (name !== undefined) {
      names.push(name);
      return '([^/]+?)';
    }
    return escapeRegExp(text!);
  });
  return { kind: 'pattern', regex: new RegExp(`^${source}$`, 'i'), names };
}

export function compileOperation(operation: Operation): CompiledOperation {
  const [pathPart = '/', queryPart] = operation.urlTemplate.split('?', 2);
  const rawSegments = pathPart.split('/').filter((s) => s !== '');
  let rest: string | undefined;
  const last = rawSegments.at(-1);
  const restMatch = last === undefined ? null : /^(?:\*|\{\*([^{}]+)\})$/.exec(last);
  if (restMatch) {
    rest = restMatch[1] ?? '*';
    rawSegments.pop();
  }
  const segments = rawSegments.map(compileSegment);
  const query: QueryRequirement[] = [];
  for (const pair of (queryPart ?? '').split('&')) {
    if (pair === '') continue;
    const [name = '', value = ''] = pair.split('=', 2);
    const param = /^\{([^{}]+)\}$/.exec(value)?.[1];
    query.push(param !== undefined ? { name, param } : { name, value });
  }
  return { operation, method: operation.method.toUpperCase(), segments, rest, query };
}

const KIND_ORDER = { literal: 0, pattern: 1, param: 2 } as const;

/**
 * Orders operations so the first that matches is the most specific: segment
 * by segment a literal beats a pattern beats a parameter; then an exact
 * length beats a rest-of-path wildcard; then more query constraints win.
 */
export function bySpecificity(a: CompiledOperation, b: CompiledOperation): number {
  const shared = Math.min(a.segments.length, b.segments.length);
  for (let i = 0; i < shared; i++) {
    const difference = KIND_ORDER[a.segments[i]!.kind] - KIND_ORDER[b.segments[i]!.kind];
    if (difference !== 0) return difference;
  }
  if ((a.rest === undefined) !== (b.rest === undefined)) return a.rest === undefined ? -1 : 1;
  if (a.segments.length !== b.segments.length) return b.segments.length - a.segments.length;
  return b.query.length - a.query.length;
}

/**
 * Matches the request path left after the API prefix (and version segment),
 * e.g. `/items/42`, plus the parsed query. Returns the matched parameters or
 * undefined. A trailing slash is ignored.
 */
export function matchOperation(compiled: CompiledOperation, pathSegments: readonly string[], query: URLSearchParams | undefined): MatchedParameters | undefined {
  const { segments, rest } = compiled;
  if (rest === undefined ? pathSegments.length !== segments.length : pathSegments.length < segments.length) return undefined;
  const params: MatchedParameters = [];
  for (let i = 0; i < segments.length; i++) {
    const matcher = segments[i]!;
    const actual = pathSegments[i]!;
    if (matcher.kind === 'literal') {
      if (matcher.text !== actual.toLowerCase()) return undefined;
    } else if (matcher.kind === 'param') {
      params.push([matcher.name, safeDecode(actual)]);
    } else {
      const found = matcher.regex.exec(actual);
      if (!found) return undefined;
      matcher.names.forEach((name, n) => params.push([name, safeDecode(found[n + 1]!)]));
    }
  }
  if (rest !== undefined) params.push([rest, safeDecode(pathSegments.slice(segments.length).join('/'))]);
  for (const requirement of compiled.query) {
    const value = query?.get(requirement.name);
    if (value === null || value === undefined) return undefined;
    if (requirement.value !== undefined && requirement.value !== value) return undefined;
    if (requirement.param !== undefined) params.push([requirement.param, value]);
  }
  return params;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
