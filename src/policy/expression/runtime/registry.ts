/**
 * Every type an expression can name: the core runtime's own (BCL) types, the
 * context-model interfaces, and the .NET library types from dotnet/.
 */
import { DOTNET_TYPES } from '../dotnet/index.ts';
import { CORE_TYPES } from './core-types.ts';

/** A type as the runtime sees it: its statics, how to create one, and how to recognise one. */
export class DotNetType {
  readonly name: string;
  /** Object (or JS class) whose PascalCase members are the type's static members. */
  readonly statics: object;
  readonly create: ((typeArguments: readonly string[], args: unknown[]) => unknown) | null;
  /** Null for interfaces the runtime cannot check (IResponse, IUrl …): casts pass through. */
  readonly test: ((value: unknown) => boolean) | null;

  constructor(
    name: string,
    statics: object,
    create: ((typeArguments: readonly string[], args: unknown[]) => unknown) | null,
    test: ((value: unknown) => boolean) | null,
  ) {
    this.name = name;
    this.statics = statics;
    this.create = create;
    this.test = test;
  }
}

export interface CoreType {
  readonly statics?: object;
  readonly create?: (typeArguments: readonly string[], args: unknown[]) => unknown;
  readonly test?: (value: unknown) => boolean;
}

/** Context-model and collection interfaces: castable and testable only as "not null". */
const INTERFACES = [
  'IResponse', 'IRequest', 'IMessageBody', 'IUrl', 'IApi', 'IOperation', 'IProduct', 'ISubscription', 'IUser', 'IGroup',
  'IUserIdentity', 'IDeployment', 'IProxyError', 'ILastError', 'IPrivateEndpointConnection',
  'IEnumerator', 'IReadOnlyDictionary', 'IDictionary', 'ISet',
];

const cache = new Map<string, DotNetType>();
const typeObjects = new Map<string, TypeObject>();

/** What `typeof(T)` gives: System.Type's names, one object per type so `==` compares them. */
export class TypeObject {
  readonly Name: string;
  readonly FullName: string;
  constructor(name: string, fullName: string) {
    this.Name = name;
    this.FullName = fullName;
  }
  ToString(): string {
    return this.FullName;
  }
}

const CLR_NAMES: Readonly<Record<string, string>> = {
  int: 'Int32', long: 'Int64', short: 'Int16', byte: 'Byte', sbyte: 'SByte', uint: 'UInt32', ulong: 'UInt64', ushort: 'UInt16',
  double: 'Double', float: 'Single', decimal: 'Decimal', string: 'String', bool: 'Boolean', char: 'Char', object: 'Object',
};

export function typeOf(name: string): TypeObject {
  let type = typeObjects.get(name);
  if (!type) {
    const array = name.endsWith('[]') ? '[]' : '';
    const element = array ? name.slice(0, -2) : name;
    const simple = (CLR_NAMES[element] ?? element) + array;
    const entry = DOTNET_TYPES[element];
    const qualified = entry === undefined ? undefined : Object.keys(DOTNET_TYPES).find((key) => key.endsWith(`.${element}`) && DOTNET_TYPES[key] === entry);
    type = new TypeObject(simple, qualified ? qualified + array : `System.${simple}`);
    typeObjects.set(name, type);
  }
  return type;
}

function build(name: string): DotNetType | null {
  const core = CORE_TYPES[name];
  if (core) return new DotNetType(name, core.statics ?? {}, core.create ?? null, core.test ?? null);
  if (Object.hasOwn(DOTNET_TYPES, name)) {
    const entry = DOTNET_TYPES[name];
    if (typeof entry === 'function') {
      const cls = entry as new (...args: unknown[]) => unknown;
      return new DotNetType(name, cls, (_typeArgs, args) => new cls(...args), (v) => v instanceof cls);
    }
    if (entry && typeof entry === 'object') return new DotNetType(name, entry, null, null);
  }
  if (INTERFACES.includes(name)) return new DotNetType(name, {}, null, null);
  return null;
}

/** True for a namespace some type is registered under by its full name (`System.Net.Sockets`). */
export function isNamespaceOfKnownType(namespace: string): boolean {
  const prefix = namespace + '.';
  return Object.keys(DOTNET_TYPES).some((name) => name.startsWith(prefix));
}

/** True when the type converts from a string implicitly (XName, XNamespace): typed locals initialised with a string convert. */
export function hasImplicitConversion(name: string): boolean {
  const type = typeInfo(name, false);
  return type !== null && typeof (type.statics as { op_Implicit?: unknown }).op_Implicit === 'function';
}

export function isKnownType(name: string): boolean {
  return typeInfo(name, false) !== null;
}

/** The runtime type for a registry key; throws for unknown names unless `required` is false. */
export function typeInfo(name: string, required = true): DotNetType {
  let type = cache.get(name);
  if (!type) {
    const built = build(name);
    if (!built) {
      if (required) throw new Error(`unknown type ${name}`);
      return null as unknown as DotNetType;
    }
    type = built;
    cache.set(name, type);
  }
  return type;
}
