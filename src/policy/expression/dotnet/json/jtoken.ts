import { DotNetException, generic } from '../../host.ts';
import { selectTokens } from './path.ts';
import { writeJson } from './writer.ts';
import type { JContainer } from './jcontainer.ts';

/**
 * Newtonsoft.Json.Linq.JToken: the base of every JSON token. Subclasses
 * override the structural members (children, indexers, conversions); the
 * statics that construct subclasses (Parse, FromObject …) are attached by
 * json/linq.ts so that this module has no runtime dependency on them.
 */

/** JTokenType members are their names, so `token.Type.ToString()` prints as in .NET. */
export const JTokenType = {
  None: 'None',
  Object: 'Object',
  Array: 'Array',
  Constructor: 'Constructor',
  Property: 'Property',
  Comment: 'Comment',
  Integer: 'Integer',
  Float: 'Float',
  String: 'String',
  Boolean: 'Boolean',
  Null: 'Null',
  Undefined: 'Undefined',
  Date: 'Date',
  Raw: 'Raw',
  Bytes: 'Bytes',
  Guid: 'Guid',
  Uri: 'Uri',
  TimeSpan: 'TimeSpan',
} as const;
export type JTokenTypeName = (typeof JTokenType)[keyof typeof JTokenType];

/** Newtonsoft.Json.Formatting. */
export const Formatting = { None: 'None', Indented: 'Indented' } as const;
export type FormattingName = (typeof Formatting)[keyof typeof Formatting];

/** Type names a token converts to without changing (`Value<JObject>`, `ToObject<JToken>()`). */
const TOKEN_TYPE_NAMES: Readonly<Record<string, readonly JTokenTypeName[] | 'any'>> = {
  JToken: 'any',
  JContainer: ['Object', 'Array', 'Constructor', 'Property'],
  JObject: ['Object'],
  JArray: ['Array'],
  JProperty: ['Property'],
  JConstructor: ['Constructor'],
  JValue: ['Integer', 'Float', 'String', 'Boolean', 'Null', 'Undefined', 'Date', 'Bytes', 'Guid', 'Uri', 'TimeSpan', 'Comment', 'Raw'],
  JRaw: ['Raw'],
  object: 'any',
};

export abstract class JToken {
  /** Set by the container that holds this token. */
  Parent: JContainer | null = null;

  abstract get Type(): JTokenTypeName;

  /** A deep copy with no parent. */
  abstract DeepClone(): JToken;

  /** The direct children (properties of an object, items of an array, a property's value). */
  Children(): JToken[] {
    return [];
  }

  get HasValues(): boolean {
    return false;
  }

  get First(): JToken | null {
    throw this.noChildren();
  }

  get Last(): JToken | null {
    throw this.noChildren();
  }

  get_Item(_key: string | number): JToken | null {
    throw this.noChildren();
  }

  set_Item(_key: string | number, _value: unknown): void {
    throw this.noChildren();
  }

  [Symbol.iterator](): Iterator<unknown> {
    return this.Children()[Symbol.iterator]();
  }

  get Root(): JToken {
    let token: JToken = this;
    while (token.Parent) token = token.Parent;
    return token;
  }

  get Next(): JToken | null {
    const siblings = this.Parent?.Children();
    if (!siblings) return null;
    return siblings[siblings.indexOf(this) + 1] ?? null;
  }

  get Previous(): JToken | null {
    const siblings = this.Parent?.Children();
    if (!siblings) return null;
    return siblings[siblings.indexOf(this) - 1] ?? null;
  }

  /** `a.b[0]['odd name']`, as Newtonsoft builds it. */
  get Path(): string {
    const parts: string[] = [];
    let previous: JToken | null = null;
    for (let current: JToken | null = this; current; current = current.Parent) {
      if (current.Type === 'Property') parts.push(propertyPathPart((current as unknown as { Name: string }).Name));
      else if ((current.Type === 'Array' || current.Type === 'Constructor') && previous) parts.push(`[${current.Children().indexOf(previous)}]`);
      previous = current;
    }
    return parts.reverse().reduce((path, part) => (path && !part.startsWith('[') ? `${path}.${part}` : path + part), '');
  }

  Ancestors(): JToken[] {
    const result: JToken[] = [];
    for (let token = this.Parent; token; token = token.Parent) result.push(token);
    return result;
  }

  AncestorsAndSelf(): JToken[] {
    return [this, ...this.Ancestors()];
  }

  AfterSelf(): JToken[] {
    const siblings = this.Parent?.Children() ?? [];
    return siblings.slice(siblings.indexOf(this) + 1);
  }

  BeforeSelf(): JToken[] {
    const siblings = this.Parent?.Children() ?? [];
    return siblings.slice(0, siblings.indexOf(this));
  }

  /** Generic: `Values<string>()` — property values of an object, items of an array. */
  Values(typeArguments: readonly string[], key?: string | number): unknown[] {
    const typeName = typeArguments[0] ?? 'JToken';
    return this.Children().map((child) => {
      const item = key === undefined ? valueOfChild(child) : child.get_Item(key);
      return convertToken(item, typeName);
    });
  }

  /** Generic: `ToObject<int>()`, `ToObject<string[]>()` … (json/convert.ts widens this to collections). */
  ToObject(typeArguments: readonly string[]): unknown {
    return convertToken(this, typeArguments[0] ?? 'object');
  }

  SelectToken(path: string, errorWhenNoMatch = false): JToken | null {
    const matches = selectTokens(this, path, errorWhenNoMatch);
    if (matches.length > 1) throw new DotNetException('JsonException', 'Path returned multiple tokens.');
    return matches[0] ?? null;
  }

  SelectTokens(path: string, errorWhenNoMatch = false): JToken[] {
    return selectTokens(this, path, errorWhenNoMatch);
  }

  /** Indented JSON by default; `ToString(Formatting.None)` is compact. JValue overrides the no-argument form. */
  ToString(formatting: FormattingName | { name: string } = 'Indented'): string {
    return writeJson(this, (typeof formatting === 'object' ? formatting.name : formatting) === 'Indented');
  }

  toString(): string {
    return this.ToString();
  }

  Remove(): void {
    if (!this.Parent) throw new DotNetException('InvalidOperationException', 'The parent is missing.');
    this.Parent.removeChild(this);
  }

  Replace(value: unknown): void {
    if (!this.Parent) throw new DotNetException('InvalidOperationException', 'The parent is missing.');
    this.Parent.replaceChild(this, value);
  }

  AddAfterSelf(...content: unknown[]): void {
    if (!this.Parent) throw new DotNetException('InvalidOperationException', 'The parent is missing.');
    this.Parent.insertContent(this.Parent.Children().indexOf(this) + 1, content);
  }

  AddBeforeSelf(...content: unknown[]): void {
    if (!this.Parent) throw new DotNetException('InvalidOperationException', 'The parent is missing.');
    this.Parent.insertContent(this.Parent.Children().indexOf(this), content);
  }

  /** Reference equality; JValue compares values. */
  Equals(other: unknown): boolean {
    return this === other;
  }

  /** Structural equality, as JToken.DeepEquals. */
  abstract deepEquals(other: JToken): boolean;

  /** `(string)token`, `(int)token` …; JValue does the real conversions. */
  op_Explicit(typeName: string): unknown {
    if (TOKEN_TYPE_NAMES[typeName]) return convertToken(this, typeName);
    throw new DotNetException('ArgumentException', `Can not convert ${this.Type} to ${clrName(typeName)}.`);
  }

  private noChildren(): DotNetException {
    return new DotNetException('InvalidOperationException', `Cannot access child value on Newtonsoft.Json.Linq.${this.constructor.name}.`);
  }
}

generic(JToken.prototype.Values);
generic(JToken.prototype.ToObject);

/** Values<T>() on an object yields the property values, on an array its items. */
function valueOfChild(child: JToken): JToken | null {
  return child.Type === 'Property' ? (child.Children()[0] ?? null) : child;
}

/** Newtonsoft's Extensions.Convert: tokens stay tokens when T is a token type, values convert like an explicit cast. */
export function convertToken(token: JToken | null, typeName: string): unknown {
  const accepted = TOKEN_TYPE_NAMES[typeName];
  if (accepted) {
    if (token === null) return null;
    if (accepted === 'any' || accepted.includes(token.Type)) return token;
    throw new DotNetException('InvalidCastException', `Unable to cast object of type 'Newtonsoft.Json.Linq.${token.constructor.name}' to type 'Newtonsoft.Json.Linq.${typeName}'.`);
  }
  if (token === null) return typeName.endsWith('?') || typeName === 'string' ? null : defaultValue(typeName);
  return token.op_Explicit(typeName);
}

function defaultValue(typeName: string): unknown {
  if (typeName === 'bool') return false;
  if (NUMERIC_CLR_NAMES[typeName]) return 0;
  return null;
}

/** C# keyword → CLR name, for the messages Newtonsoft prints. */
export const NUMERIC_CLR_NAMES: Readonly<Record<string, string>> = {
  int: 'Int32', long: 'Int64', short: 'Int16', byte: 'Byte', sbyte: 'SByte', uint: 'UInt32', ulong: 'UInt64', ushort: 'UInt16',
  double: 'Double', float: 'Single', decimal: 'Decimal',
};

export function clrName(typeName: string): string {
  const bare = typeName.replace(/\?$/, '');
  return NUMERIC_CLR_NAMES[bare] ?? { string: 'String', bool: 'Boolean', char: 'Char', object: 'Object' }[bare] ?? bare;
}

const PATH_ESCAPE = /[.\s'"/[\]()\\\u0085\u2028\u2029]/;

function propertyPathPart(name: string): string {
  if (!PATH_ESCAPE.test(name)) return name;
  return `['${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}']`;
}
