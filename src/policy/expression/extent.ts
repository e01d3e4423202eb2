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

/** Scans C# code up to and including `closer` at bracket depth zero; returns the index after it or -1. */
function scanCode(text: string, from: number, closer: string): number {
  const pending: string[] = [];
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === '"') {
      i = scanString(text, i + 1, false, false);
    } else if (c === '@' && next === '"') {
      i = scanString(text, i + 2, true, false);
    } else if (c === '$' && next === '"') {
      i = scanString(text, i + 2, false, true);
    } else if ((c === '$' && next === '@' && text[i + 2] === '"') || (c === '@' && next === '$' && text[i + 2] === '"')) {
      i = scanString(text, i + 3, true, true);
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
      if (pending.length === 0) return c === closer ? i + 1 : -1;
      if (pending.pop() !== c) return -1;
      i++;
    } else {
      i++;
    }
    if (i === -1) return -1;
  }
  return -1;
}

/** `from` is just after the opening quote; returns the index after the closing quote or -1. */
function scanString(text: string, from: number, verbatim: boolean, interpolated: boolean): number {
  let i = from;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      if (verbatim && text[i + 1] === '"') {
        i += 2;
        continue;
      }
      return i + 1;
    }
    if (!verbatim && c === '\\') {
      i += 2;
    } else if (!verbatim && c === '\n') {
      return -1;
    } else if (interpolated && c === '{') {
      if (text[i + 1] === '{') {
        i += 2;
      } else {
        i = scanCode(text, i + 1, '}');
        if (i === -1) return -1;
      }
    } else {
      i++;
    }
  }
  return -1;
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
