/** Which type names an expression may mention, and how they are spelled for the runtime. */
import type { TypeRef } from './ast.ts';
import { SourceError } from './lexer.ts';
import { normalizeTypeName } from './static-types.ts';
import { isKnownType, isNamespaceOfKnownType } from '../runtime/registry.ts';

const ALLOWED_NAMESPACES = new Set([
  'System', 'System.Collections.Generic', 'System.Linq', 'System.Text', 'System.Text.RegularExpressions', 'System.Net',
  'System.IO', 'System.Security.Cryptography', 'System.Security.Cryptography.X509Certificates', 'System.Xml',
  'System.Xml.Linq', 'Newtonsoft.Json', 'Newtonsoft.Json.Linq',
]);

const NAMESPACE_ROOTS = new Set(['System', 'Newtonsoft', 'Microsoft']);

/**
 * The runtime registry key of a type name (`System.Text.Encoding` → `Encoding`, `Int32` → `int`).
 * With `optional`, a name that is not a type (a namespace prefix or a plain
 * identifier) gives null; otherwise, and for anything under a .NET namespace
 * that APIM does not allow, it is a located error.
 */
export function resolveTypeName(name: string, pos: number, optional = false): string | null {
  const dot = name.lastIndexOf('.');
  const namespace = dot === -1 ? null : name.slice(0, dot);
  const simple = dot === -1 ? name : name.slice(dot + 1);
  const key = normalizeTypeName(simple);
  // a fully qualified name registered as such (`System.Net.Sockets.AddressFamily`) is allowed wherever it lives
  if ((namespace === null || ALLOWED_NAMESPACES.has(namespace) || isKnownType(name)) && isKnownType(key)) return key;
  if (optional) {
    const root = name.split('.')[0]!;
    if (!NAMESPACE_ROOTS.has(root)) return null;
    if (ALLOWED_NAMESPACES.has(name) || name === 'Newtonsoft' || name === 'Microsoft') return null;
    if ([...ALLOWED_NAMESPACES].some((ns) => ns.startsWith(name + '.')) || isNamespaceOfKnownType(name)) return null;
    // `System.Text.Encoding.UTF8`: a static member of an allowed type, resolved one level up
    if (namespace !== null && resolveTypeName(namespace, pos, true) !== null) return null;
  }
  throw new SourceError(`type ${name} is not allowed in policy expressions`, pos);
}

/** C# spelling of a type reference (`Dictionary<string, string[]>`, `int?`), as generic host methods receive it. */
export function typeText(type: TypeRef): string {
  let text = normalizeTypeName(type.name.slice(type.name.lastIndexOf('.') + 1));
  if (type.args.length) text += `<${type.args.map(typeText).join(', ')}>`;
  if (type.nullable) text += '?';
  for (let i = 0; i < type.arrayRank; i++) text += '[]';
  return text;
}
