import { LiquidSyntaxError, parseCondition, parseExpr, parseFiltered, parseForHeader, parseWhenValues, type Condition, type Expr, type Filtered } from './expression.ts';

/**
 * A Liquid template parsed into a tree once, at policy compile time: text,
 * `{{ output }}`, and the tags if/elsif/else, unless, case/when, for (with
 * limit, offset, reversed, else, break, continue), assign, capture, comment
 * and raw. Whitespace control (`{{-`, `-%}}`) trims next to the markup.
 */

export type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'output'; readonly expr: Filtered }
  | { readonly kind: 'if'; readonly branches: readonly { readonly condition: Condition; readonly negate: boolean; readonly body: readonly Node[] }[]; readonly otherwise: readonly Node[] }
  | { readonly kind: 'case'; readonly subject: Expr; readonly whens: readonly { readonly values: readonly Expr[]; readonly body: readonly Node[] }[]; readonly otherwise: readonly Node[] }
  | { readonly kind: 'for'; readonly variable: string; readonly collection: Expr; readonly limit?: Expr; readonly offset?: Expr; readonly reversed: boolean; readonly body: readonly Node[]; readonly otherwise: readonly Node[] }
  | { readonly kind: 'assign'; readonly name: string; readonly expr: Filtered }
  | { readonly kind: 'capture'; readonly name: string; readonly body: readonly Node[] }
  | { readonly kind: 'break' | 'continue' };

interface Token {
  readonly type: 'text' | 'output' | 'tag';
  readonly content: string;
}

const MARKUP = /\{\{(-?)([\s\S]*?)(-?)\}\}|\{%(-?)\s*([\s\S]*?)\s*(-?)%\}/g;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let position = 0;
  let trimNext = false;
  let match: RegExpExecArray | null;
  MARKUP.lastIndex = 0;
  while ((match = MARKUP.exec(source)) !== null) {
    let text = source.slice(position, match.index);
    if (trimNext) text = text.trimStart();
    const trimBefore = match[1] === '-' || match[4] === '-';
    if (trimBefore) text = text.trimEnd();
    if (text !== '') tokens.push({ type: 'text', content: text });
    const isOutput = match[2] !== undefined;
    const content = isOutput ? match[2]! : match[5]!;
    const verbatim = isOutput ? undefined : /^(raw|comment)\b/.exec(content)?.[1];
    if (verbatim !== undefined) {
      const end = new RegExp(`\\{%-?\\s*end${verbatim}\\s*-?%\\}`, 'g');
      end.lastIndex = MARKUP.lastIndex;
      const closing = end.exec(source);
      if (closing === null) throw new LiquidSyntaxError(`${verbatim}: missing {% end${verbatim} %}`);
      if (verbatim === 'raw') tokens.push({ type: 'text', content: source.slice(MARKUP.lastIndex, closing.index) });
      MARKUP.lastIndex = end.lastIndex;
      position = end.lastIndex;
      trimNext = false;
      continue;
    }
    tokens.push({ type: isOutput ? 'output' : 'tag', content });
    trimNext = (isOutput ? match[3] : match[6]) === '-';
    position = MARKUP.lastIndex;
  }
  let rest = source.slice(position);
  if (trimNext) rest = rest.trimStart();
  if (rest !== '') tokens.push({ type: 'text', content: rest });
  return tokens;
}

export function parseTemplate(source: string): readonly Node[] {
  const tokens = tokenize(source);
  let index = 0;

  /** Parses nodes until one of `stops` (a tag name); returns the stop tag met. */
  function block(stops: readonly string[]): { nodes: Node[]; stop: string | undefined; markup: string } {
    const nodes: Node[] = [];
    while (index < tokens.length) {
      const token = tokens[index++]!;
      if (token.type === 'text') {
        nodes.push({ kind: 'text', text: token.content });
        continue;
      }
      if (token.type === 'output') {
        nodes.push({ kind: 'output', expr: parseFiltered(token.content) });
        continue;
      }
      const [, name = '', markup = ''] = /^(\w+)\s*([\s\S]*)$/.exec(token.content) ?? [];
      if (stops.includes(name)) return { nodes, stop: name, markup };
      nodes.push(tag(name, markup));
    }
    if (stops.length > 0) throw new LiquidSyntaxError(`missing {% ${stops.at(-1)} %}`);
    return { nodes, stop: undefined, markup: '' };
  }

  function tag(name: string, markup: string): Node {
    switch (name) {
      case 'if':
      case 'unless': {
        const branches: { condition: Condition; negate: boolean; body: Node[] }[] = [];
        let condition = parseCondition(markup);
        let negate = name === 'unless';
        const end = `end${name}`;
        for (;;) {
          const part = block(['elsif', 'else', end]);
          branches.push({ condition, negate, body: part.nodes });
          if (part.stop === 'elsif') {
            condition = parseCondition(part.markup);
            negate = false;
            continue;
          }
          const otherwise = part.stop === 'else' ? block([end]).nodes : [];
          return { kind: 'if', branches, otherwise };
        }
      }
      case 'case': {
        const subject = parseExpr(markup);
        const whens: { values: Expr[]; body: Node[] }[] = [];
        let part = block(['when', 'else', 'endcase']);
        while (part.stop === 'when') {
          const values = parseWhenValues(part.markup);
          part = block(['when', 'else', 'endcase']);
          whens.push({ values, body: part.nodes });
        }
        const otherwise = part.stop === 'else' ? block(['endcase']).nodes : [];
        return { kind: 'case', subject, whens, otherwise };
      }
      case 'for': {
        const header = parseForHeader(markup);
        const part = block(['else', 'endfor']);
        const otherwise = part.stop === 'else' ? block(['endfor']).nodes : [];
        return { kind: 'for', ...header, body: part.nodes, otherwise };
      }
      case 'assign': {
        const equals = markup.indexOf('=');
        if (equals < 0) throw new LiquidSyntaxError(`assign: expected "name = value" in "${markup}"`);
        return { kind: 'assign', name: markup.slice(0, equals).trim(), expr: parseFiltered(markup.slice(equals + 1)) };
      }
      case 'capture':
        return { kind: 'capture', name: markup.trim(), body: block(['endcapture']).nodes };
      case 'break':
      case 'continue':
        return { kind: name };
      default:
        throw new LiquidSyntaxError(`unknown tag "${name}"`);
    }
  }

  return block([]).nodes;
}
