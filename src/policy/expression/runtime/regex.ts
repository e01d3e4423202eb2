/** System.Text.RegularExpressions over JS RegExp; translated patterns are cached so a constant pattern compiles once. */
import { DotNetException, OutRef } from '../host.ts';
import { argumentNull } from './errors.ts';

export const RegexOptions = { None: 0, IgnoreCase: 1, Multiline: 2, ExplicitCapture: 4, Compiled: 8, Singleline: 16, IgnorePatternWhitespace: 32, CultureInvariant: 512 };

const cache = new Map<string, RegExp>();

/** .NET → JS: `(?<name>…)` is the same; `(?'name'…)`, `\A`, `\Z`, `\z` and inline `(?i)` need rewriting. */
function translate(pattern: string, options: number): RegExp {
  const key = `${options}:${pattern}`;
  let re = cache.get(key);
  if (re) return re;
  let source = pattern.replace(/\(\?'(\w+)'/g, '(?<$1>').replace(/\\A/g, '^').replace(/\\[Zz]/g, '$');
  let flags = 'gu';
  const inline = /^\(\?([imsx]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    if (inline[1]!.includes('i')) options |= 1;
    if (inline[1]!.includes('m')) options |= 2;
    if (inline[1]!.includes('s')) options |= 16;
  }
  if (options & 1) flags += 'i';
  if (options & 2) flags += 'm';
  if (options & 16) flags += 's';
  if (options & 32) source = source.replace(/\s+|#.*$/gm, '');
  try {
    re = new RegExp(source, flags);
  } catch {
    try {
      re = new RegExp(source, flags.replace('u', ''));
    } catch (error) {
      throw new DotNetException('ArgumentException', `Invalid pattern '${pattern}': ${(error as Error).message}`);
    }
  }
  cache.set(key, re);
  return re;
}

export class Group {
  readonly Success: boolean;
  readonly Value: string;
  readonly Index: number;
  readonly Name: string;
  constructor(success: boolean, value: string, index: number, name: string) {
    this.Success = success;
    this.Value = value;
    this.Index = index;
    this.Name = name;
  }
  get Length() { return this.Value.length; }
  get Captures() { return this.Success ? [this] : []; }
  ToString() { return this.Value; }
}

class GroupCollection {
  private readonly groups: Group[];
  private readonly named: Record<string, Group>;
  constructor(groups: Group[], named: Record<string, Group>) {
    this.groups = groups;
    this.named = named;
  }
  get Count() { return this.groups.length; }
  get_Item(key: number | string) {
    if (typeof key === 'number') return this.groups[key] ?? new Group(false, '', 0, String(key));
    return this.named[key] ?? this.groups[Number(key)] ?? new Group(false, '', 0, key);
  }
  [Symbol.iterator]() { return this.groups[Symbol.iterator](); }
}

export class Match extends Group {
  readonly Groups: GroupCollection;
  private readonly nextMatch: () => Match;
  constructor(m: RegExpExecArray | null, next: () => Match) {
    super(m !== null, m?.[0] ?? '', m?.index ?? 0, '0');
    const groups = m ? [...m].map((v, i) => new Group(v !== undefined, v ?? '', v === undefined ? 0 : m.index, String(i))) : [];
    const named: Record<string, Group> = {};
    for (const [name, v] of Object.entries(m?.groups ?? {})) named[name] = new Group(v !== undefined, v ?? '', m!.index, name);
    this.Groups = new GroupCollection(groups, named);
    this.nextMatch = next;
  }
  NextMatch() { return this.nextMatch(); }
  Result(replacement: string) {
    return replacement.replace(/\$(\d+)|\$\{(\w+)\}/g, (_, n: string, name: string) => (this.Groups.get_Item(n !== undefined ? Number(n) : name) as Group).Value);
  }
}

function matchAt(re: RegExp, input: string, from: number): Match {
  re.lastIndex = from;
  const m = re.exec(input);
  const next = m ? m.index + (m[0].length || 1) : input.length + 1;
  return new Match(m, () => matchAt(re, input, next));
}

function matches(re: RegExp, input: string): Match[] {
  const out: Match[] = [];
  for (let m = matchAt(re, input, 0); m.Success; m = m.NextMatch()) out.push(m);
  return out;
}

/** .NET replacement syntax: `$1`, `${name}`, `$$`, `$0`. */
function replacement(value: unknown): string | ((...a: unknown[]) => string) {
  if (typeof value === 'function') {
    return (...args: unknown[]) => {
      const groups = args.filter((a) => typeof a === 'string' || a === undefined);
      const index = args.find((a) => typeof a === 'number') as number;
      const fake = [...groups] as unknown as RegExpExecArray;
      fake.index = index;
      return String((value as (m: Match) => unknown)(new Match(fake, () => new Match(null, () => new Match(null, () => null as never)))));
    };
  }
  return String(value).replace(/\$\{(\w+)\}/g, '$<$1>').replace(/\$0/g, '$&');
}

function input(value: unknown): string {
  if (value === null || value === undefined) throw argumentNull('input');
  return String(value);
}

export class Regex {
  private readonly re: RegExp;
  constructor(pattern: string, options = 0) {
    if (pattern == null) throw argumentNull('pattern');
    this.re = translate(pattern, options);
  }
  IsMatch(text: string) {
    this.re.lastIndex = 0;
    return this.re.test(input(text));
  }
  Match(text: string) { return matchAt(this.re, input(text), 0); }
  Matches(text: string) { return matches(this.re, input(text)); }
  Replace(text: string, value: unknown) { return input(text).replace(this.re, replacement(value) as string); }
  Split(text: string) { return input(text).split(new RegExp(this.re.source, this.re.flags.replace('g', ''))); }
  ToString() { return this.re.source; }
}

export const RegexStatics = {
  IsMatch: (text: string, pattern: string, options = 0) => new Regex(pattern, options).IsMatch(text),
  Match: (text: string, pattern: string, options = 0) => new Regex(pattern, options).Match(text),
  Matches: (text: string, pattern: string, options = 0) => new Regex(pattern, options).Matches(text),
  Replace: (text: string, pattern: string, value: unknown, options = 0) => new Regex(pattern, options).Replace(text, value),
  Split: (text: string, pattern: string, options = 0) => new Regex(pattern, options).Split(text),
  Escape: (s: string) => s.replace(/[\\^$.|?*+()[\]{}\s#]/g, (c) => (c === ' ' ? '\\ ' : `\\${c}`)),
  Unescape: (s: string) => s.replace(/\\(.)/g, '$1'),
};

export type { OutRef };
