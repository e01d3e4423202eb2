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
  'IUserIdentity', 'IDeployment', 'IProxyError', 'ILastError', 'Jwt', 'BasicAuthCredentials', 'IPrivateEndpointConnection',
  'IEnumerator', 'IReadOnlyDictionary', 'IDictionary', 'ISet',
];

const cache = new Map<string, DotNetType>();

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
