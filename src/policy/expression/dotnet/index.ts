/**
 * The .NET library types that policy expressions may use beyond the core
 * language runtime: Newtonsoft.Json.Linq, System.Xml.Linq, System.Text.Encoding,
 * System.Security.Cryptography, BitConverter, and APIM's own string/byte[]
 * extensions (AsJwt, AsBasic, Encrypt, Decrypt).
 *
 * DOTNET_TYPES maps a C# type name (`JObject`, `Encoding`, `SHA256`) to what
 * an expression reaches through it: a JS class (constructor for `new`, static
 * members, `instanceof` for `is`/`as`) or an object of static members.
 * DOTNET_EXTENSIONS maps a method name to the extension methods of that name;
 * the runtime calls the first whose `appliesTo(target)` is true.
 */

export interface ExtensionMethod {
  appliesTo(target: unknown): boolean;
  invoke(target: unknown, typeArguments: readonly string[], args: unknown[]): unknown;
}

export const DOTNET_TYPES: Record<string, unknown> = {};

export const DOTNET_EXTENSIONS: Record<string, readonly ExtensionMethod[]> = {};
