/**
 * The .NET library types that policy expressions may use beyond the core
 * language runtime: Newtonsoft.Json.Linq, System.Xml.Linq, System.Text.Encoding,
 * System.Security.Cryptography, BitConverter, and APIM's own string/byte[]
 * extensions (AsJwt, AsBasic, Encrypt, Decrypt).
 *
 * DOTNET_TYPES maps a C# type name (`JObject`, `Encoding`, `SHA256`) to what
 * an expression reaches through it: a JS class (constructor for `new`, static
 * members, `instanceof` for `is`/`as`) or an object of static members.
 * Fully qualified names (`Newtonsoft.Json.Linq.JObject`,
 * `System.Security.Cryptography.HMACSHA256`) are registered too.
 * DOTNET_EXTENSIONS maps a method name to the extension methods of that name;
 * the runtime calls the first whose `appliesTo(target)` is true. The runtime
 * must also try them when the target's member of that name is not a function:
 * `jvalue.Value<string>()` is an extension call although JValue has a `Value`
 * property.
 */
import { Formatting, JArray, JConstructor, JContainer, JObject, JProperty, JRaw, JSON_EXTENSIONS, JToken, JTokenType, JValue, JsonConvert } from './json/index.ts';

export interface ExtensionMethod {
  appliesTo(target: unknown): boolean;
  invoke(target: unknown, typeArguments: readonly string[], args: unknown[]): unknown;
}

const NAMESPACES: Record<string, Record<string, unknown>> = {
  'Newtonsoft.Json': { Formatting, JsonConvert },
  'Newtonsoft.Json.Linq': { JArray, JConstructor, JContainer, JObject, JProperty, JRaw, JToken, JTokenType, JValue },
};

export const DOTNET_TYPES: Record<string, unknown> = {};
for (const [namespace, types] of Object.entries(NAMESPACES)) {
  for (const [name, type] of Object.entries(types)) {
    DOTNET_TYPES[name] = type;
    DOTNET_TYPES[`${namespace}.${name}`] = type;
  }
}

export const DOTNET_EXTENSIONS: Record<string, readonly ExtensionMethod[]> = mergeExtensions(JSON_EXTENSIONS);

function mergeExtensions(...sources: Record<string, readonly ExtensionMethod[]>[]): Record<string, readonly ExtensionMethod[]> {
  const merged: Record<string, ExtensionMethod[]> = {};
  for (const source of sources) for (const [name, methods] of Object.entries(source)) (merged[name] ??= []).push(...methods);
  return merged;
}
