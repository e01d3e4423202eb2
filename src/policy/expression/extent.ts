/**
 * Finds where a policy expression ends inside raw policy text.
 *
 * Policy documents are not well-formed XML (expressions carry raw quotes, `<`
 * and `&&` inside attributes), so the policy parser locates each `@(…)` /
 * `@{…}` by balanced brackets before it parses the XML. Brackets inside C#
 * string, char, verbatim and interpolated literals and inside comments do not
 * count; the holes of interpolated strings are code and nest.
 */

const CLOSER: Record<string, string> = { '(': ')', '[': ']', '{': '}' };

/**
 * Index just after the closing bracket of the expression whose `@` is at
 * `text[start]`, or -1 when `text[start]` does not open an expression or its
 * brackets never balance.
 */
export function expressionEnd(text: string, start: number): number {
  if (text[start] !== '@') return -1;
  const open = text[start + 1];
  if (open !== '(' && open !== '{') return -1;
  return scanCode(text, start + 2, CLOSER[open]!);
}

/** An open interpolation hole: its closing `}` goes back into the string it interrupted. */
interface Hole {
  readonly verbatim: boolean;
}

/** Where a string scan stopped: after its closing quote (-1 when it never closes), or just inside a hole's `{`. */
type StringScan = { end: number } | { hole: number };

/**
 * Scans C# code up to and including `closer` at bracket depth zero; returns
 * the index after it or -1. Iterative, holes of interpolated strings included,
 * so nesting depth costs heap, not stack.
 */
function scanCode(text: string, from: number, closer: string): number {
  const pending: (string | Hole)[] = [];
  let i = from;
  const enterString = (start: number, verbatim: boolean, interpolated: boolean): number => {
    const scan = scanString(text, start, verbatim, interpolated);
    if ('end' in scan) return scan.end;
    pending.push({ verbatim });
    return scan.hole;
  };
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '"') {
      i = enterString(i + 1, false, false);
    } else if (c === '@' && next === '"') {
      i = enterString(i + 2, true, false);
    } else if (c === '$' && next === '"') {
      i = enterString(i + 2, false, true);
    } else if ((c === '$' && next === '@' && text[i + 2] === '"') || (c === '@' && next === '$' && text[i + 2] === '"')) {
      i = enterString(i + 3, true, true);
    } else if (c === "'") {
      i = scanChar(text, i + 1);
    } else if (c === '/' && next === '/') {
      const newline = text.indexOf('\n', i + 2);
      i = newline === -1 ? -1 : newline + 1;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end === -1 ? -1 : end + 2;
    } else if (c === '(' || c === '[' || c === '{') {
      pending.push(CLOSER[c]!);
      i++;
    } else if (c === ')' || c === ']' || c === '}') {
      const top = pending.pop();
      if (top === undefined) return c === closer ? i + 1 : -1;
      if (typeof top === 'string') {
        if (top !== c) return -1;
        i++;
      } else {
        if (c !== '}') return -1;
        i = enterString(i + 1, top.verbatim, true);
      }
    } else {
      i++;
    }
    if (i === -1) return -1;
  }
  return -1;
}

/** `from` is just after the opening quote (or a hole's closing brace). */
function scanString(text: string, from: number, verbatim: boolean, interpolated: boolean): StringScan {
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      if (verbatim && text[i + 1] === '"') {
        i += 2;
        continue;
      }
      return { end: i + 1 };
    }
    if (!verbatim && c === '\\') {
      i += 2;
    } else if (!verbatim && c === '\n') {
      return { end: -1 };
    } else if (interpolated && c === '{') {
      if (text[i + 1] !== '{') return { hole: i + 1 };
      i += 2;
    } else {
      i++;
    }
  }
  return { end: -1 };
}

function scanChar(text: string, from: number): number {
  let i = from;
  while (i < text.length && i < from + 12) {
    const c = text[i]!;
    if (c === '\\') i += 2;
    else if (c === "'") return i + 1;
    else if (c === '\n') return -1;
    else i++;
  }
  return -1;
}
