import { DotNetException } from '../../host.ts';
import { JsonDate } from './dates.ts';
import type { JToken } from './jtoken.ts';

/**
 * Newtonsoft's JSONPath for SelectToken/SelectTokens: `$`/`@`, `.name`,
 * `['name','other']`, `[0,2]`, `[*]`, `.*`, `[1:3:1]` slices, `..name` scans
 * and `[?(@.a == 'x' && @.b > 1)]` filters (==, !=, <, <=, >, >=, =~ /regex/,
 * existence). Compiled paths are cached: expressions usually pass literals.
 */

type Segment =
  | { kind: 'field'; names: string[] | null }
  | { kind: 'index'; indexes: number[] | null }
  | { kind: 'slice'; start: number | null; end: number | null; step: number }
  | { kind: 'scan'; name: string | null }
  | { kind: 'filter'; test: Filter };

type Filter = (root: JToken, current: JToken) => boolean;
type Operand = (root: JToken, current: JToken) => unknown[];

const cache = new Map<string, Segment[]>();
const CACHE_LIMIT = 512;

export function selectTokens(start: JToken, path: string, errorWhenNoMatch: boolean): JToken[] {
  let segments = cache.get(path);
  if (!segments) {
    segments = new PathParser(path).parseRoot();
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(path, segments);
  }
  return evaluate(start, start, segments, errorWhenNoMatch);
}

function evaluate(root: JToken, start: JToken, segments: readonly Segment[], strict: boolean): JToken[] {
  let current = [start];
  for (const segment of segments) current = current.flatMap((token) => apply(root, token, segment, strict));
  return current;
}

function apply(root: JToken, token: JToken, segment: Segment, strict: boolean): JToken[] {
  switch (segment.kind) {
    case 'field': {
      if (token.Type !== 'Object') {
        if (strict && segment.names) throw new DotNetException('JsonException', `Property '${segment.names[0]}' not valid on ${tokenClass(token)}.`);
        return segment.names ? [] : propertyValuesOrItems(token);
      }
      if (!segment.names) return propertyValuesOrItems(token);
      return segment.names.flatMap((name) => {
        const value = token.get_Item(name);
        if (!value && strict) throw new DotNetException('JsonException', `Property '${name}' does not exist on JObject.`);
        return value ? [value] : [];
      });
    }
    case 'index': {
      if (token.Type !== 'Array' && token.Type !== 'Constructor') {
        if (strict && segment.indexes) throw new DotNetException('JsonException', `Index ${segment.indexes[0]} not valid on ${tokenClass(token)}.`);
        return segment.indexes ? [] : propertyValuesOrItems(token);
      }
      const items = token.Children();
      if (!segment.indexes) return items;
      return segment.indexes.flatMap((index) => {
        const item = items[index < 0 ? items.length + index : index];
        if (!item && strict) throw new DotNetException('JsonException', `Index ${index} outside the bounds of JArray.`);
        return item ? [item] : [];
      });
    }
    case 'slice':
      return token.Type === 'Array' ? slice(token.Children(), segment) : [];
    case 'scan':
      return scan(token, segment.name);
    case 'filter':
      return token.Children().filter((child) => segment.test(root, child));
  }
}

function propertyValuesOrItems(token: JToken): JToken[] {
  return token.Children().map((child) => (child.Type === 'Property' ? child.Children()[0]! : child));
}

function tokenClass(token: JToken): string {
  return token.constructor.name;
}

function slice(items: JToken[], { start, end, step }: { start: number | null; end: number | null; step: number }): JToken[] {
  const n = items.length;
  const norm = (i: number): number => (i < 0 ? Math.max(n + i, 0) : Math.min(i, n));
  const result: JToken[] = [];
  if (step > 0) for (let i = norm(start ?? 0); i < norm(end ?? n); i += step) result.push(items[i]!);
  else for (let i = start === null ? n - 1 : norm(start); i > (end === null ? -1 : norm(end)); i += step) result.push(items[i]!);
  return result;
}

function scan(token: JToken, name: string | null): JToken[] {
  const result: JToken[] = [];
  for (const child of token.Children()) {
    if (child.Type === 'Property') {
      const value = child.Children()[0]!;
      if (name === null || (child as unknown as { Name: string }).Name === name) result.push(value);
      result.push(...scan(value, name));
    } else {
      if (name === null) result.push(child);
      result.push(...scan(child, name));
    }
  }
  return result;
}

const NAME_END = /[.[\]()\s=!<>&|,]/;

class PathParser {
  private i = 0;
  private readonly text: string;
  constructor(text: string) {
    this.text = text;
  }

  parseRoot(): Segment[] {
    if (this.text[0] === '$' || this.text[0] === '@') this.i = 1;
    const segments = this.parseSegments(false);
    if (this.i < this.text.length) this.fail(`Unexpected character while parsing path: ${this.text[this.i]}`);
    return segments;
  }

  /** Segments until the end of the path, or inside a filter until an operator or `)`. */
  private parseSegments(inFilter: boolean): Segment[] {
    const segments: Segment[] = [];
    let first = true;
    while (this.i < this.text.length) {
      const c = this.text[this.i]!;
      if (c === '[') {
        segments.push(this.parseBracket());
      } else if (c === '.' && this.text[this.i + 1] === '.') {
        this.i += 2;
        const name = this.readName();
        segments.push({ kind: 'scan', name: name === '*' ? null : name });
      } else if (c === '.') {
        this.i += 1;
        const name = this.readName();
        segments.push({ kind: 'field', names: name === '*' ? null : [name] });
      } else if (first && !inFilter && !NAME_END.test(c)) {
        const name = this.readName();
        segments.push({ kind: 'field', names: name === '*' ? null : [name] });
      } else if (inFilter) {
        break;
      } else {
        this.fail(`Unexpected character while parsing path: ${c}`);
      }
      first = false;
    }
    return segments;
  }

  private readName(): string {
    const start = this.i;
    while (this.i < this.text.length && !NAME_END.test(this.text[this.i]!)) this.i += 1;
    if (this.i === start) this.fail('Unexpected end while parsing path.');
    return this.text.slice(start, this.i);
  }

  private parseBracket(): Segment {
    this.i += 1;
    this.skipSpace();
    const c = this.text[this.i];
    let segment: Segment;
    if (c === '?') {
      this.i += 1;
      this.expect('(');
      const test = this.parseOr();
      this.expect(')');
      segment = { kind: 'filter', test };
    } else if (c === "'" || c === '"') {
      const names = [this.readQuoted()];
      while (this.skipSpace() === ',') {
        this.i += 1;
        this.skipSpace();
        names.push(this.readQuoted());
      }
      segment = { kind: 'field', names };
    } else if (c === '*') {
      this.i += 1;
      segment = { kind: 'index', indexes: null };
    } else {
      segment = this.parseIndexes();
    }
    this.skipSpace();
    this.expect(']');
    return segment;
  }

  private parseIndexes(): Segment {
    const start = this.i;
    while (this.i < this.text.length && this.text[this.i] !== ']') this.i += 1;
    const body = this.text.slice(start, this.i).replace(/\s/g, '');
    if (body.includes(':')) {
      const [from, to, step] = body.split(':').map((part) => (part === '' ? null : this.integer(part)));
      if (step === 0) this.fail('Step cannot be zero.');
      return { kind: 'slice', start: from ?? null, end: to ?? null, step: step ?? 1 };
    }
    return { kind: 'index', indexes: body.split(',').map((part) => this.integer(part)) };
  }

  private integer(text: string): number {
    if (!/^-?\d+$/.test(text)) this.fail(`Could not read query value.`);
    return Number(text);
  }

  private parseOr(): Filter {
    let left = this.parseAnd();
    while (this.skipSpace() === '|' && this.text[this.i + 1] === '|') {
      this.i += 2;
      const a = left;
      const b = this.parseAnd();
      left = (root, current) => a(root, current) || b(root, current);
    }
    return left;
  }

  private parseAnd(): Filter {
    let left = this.parseUnary();
    while (this.skipSpace() === '&' && this.text[this.i + 1] === '&') {
      this.i += 2;
      const a = left;
      const b = this.parseUnary();
      left = (root, current) => a(root, current) && b(root, current);
    }
    return left;
  }

  private parseUnary(): Filter {
    if (this.skipSpace() === '(') {
      this.i += 1;
      const inner = this.parseOr();
      this.expect(')');
      return inner;
    }
    const left = this.parseOperand();
    this.skipSpace();
    const operator = /^(===|!==|==|!=|<=|>=|=~|<|>)/.exec(this.text.slice(this.i))?.[0];
    if (!operator) return (root, current) => left(root, current).length > 0;
    this.i += operator.length;
    this.skipSpace();
    if (operator === '=~') {
      const pattern = this.readRegex();
      return (root, current) => left(root, current).some((v) => typeof v === 'string' && pattern.test(v));
    }
    const right = this.parseOperand();
    const compare = COMPARISONS[operator]!;
    return (root, current) => {
      const rights = right(root, current);
      return left(root, current).some((l) => rights.some((r) => compare(l, r)));
    };
  }

  private parseOperand(): Operand {
    const c = this.text[this.i];
    if (c === '@' || c === '$') {
      this.i += 1;
      const segments = this.parseSegments(true);
      const fromRoot = c === '$';
      return (root, current) => evaluate(root, fromRoot ? root : current, segments, false).map(primitiveOf);
    }
    let value: unknown;
    if (c === "'" || c === '"') value = this.readQuoted();
    else {
      const literal = /^(true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(this.text.slice(this.i))?.[0];
      if (!literal) this.fail('Could not read query value.');
      this.i += literal.length;
      value = JSON.parse(literal);
    }
    return () => [value];
  }

  private readQuoted(): string {
    const quoteChar = this.text[this.i];
    let result = '';
    this.i += 1;
    while (this.i < this.text.length && this.text[this.i] !== quoteChar) {
      if (this.text[this.i] === '\\') this.i += 1;
      result += this.text[this.i] ?? '';
      this.i += 1;
    }
    this.expect(quoteChar!);
    return result;
  }

  private readRegex(): RegExp {
    const match = /^\/((?:\\.|[^/\\])*)\/([a-z]*)/.exec(this.text.slice(this.i));
    if (!match) this.fail('Could not read query value.');
    this.i += match[0].length;
    return new RegExp(match[1]!, match[2]!.replace(/[^imsu]/g, ''));
  }

  private skipSpace(): string | undefined {
    while (this.text[this.i] === ' ') this.i += 1;
    return this.text[this.i];
  }

  private expect(c: string): void {
    this.skipSpace();
    if (this.text[this.i] !== c) this.fail(this.i >= this.text.length ? 'Path ended with open query.' : `Unexpected character while parsing path query: ${this.text[this.i]}`);
    this.i += 1;
  }

  private fail(message: string): never {
    throw new DotNetException('JsonException', message);
  }
}

/** Filter comparisons see a token's value (objects and arrays as themselves). */
function primitiveOf(token: JToken): unknown {
  const value = (token as unknown as { raw?: unknown }).raw;
  if (value instanceof JsonDate) return value.toIsoString();
  return token.Type === 'Object' || token.Type === 'Array' || token.Type === 'Property' ? token : value;
}

const looseEqual = (a: unknown, b: unknown): boolean => a === b || (typeof a === 'number' && typeof b === 'string' && String(a) === b) || (typeof b === 'number' && typeof a === 'string' && String(b) === a);
const ordered = (test: (order: number) => boolean) => (a: unknown, b: unknown): boolean => {
  if (typeof a === 'number' && typeof b === 'number') return test(a - b);
  if (typeof a === 'string' && typeof b === 'string') return test(a < b ? -1 : a > b ? 1 : 0);
  return false;
};

const COMPARISONS: Readonly<Record<string, (a: unknown, b: unknown) => boolean>> = {
  '==': looseEqual,
  '!=': (a, b) => !looseEqual(a, b),
  '===': (a, b) => a === b,
  '!==': (a, b) => a !== b,
  '<': ordered((o) => o < 0),
  '<=': ordered((o) => o <= 0),
  '>': ordered((o) => o > 0),
  '>=': ordered((o) => o >= 0),
};
