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
import { AUTH_EXTENSIONS, BasicAuthCredentials, Jwt } from './auth.ts';
import * as hashes from './crypto/hash.ts';
import { Aes, AesManaged, CipherMode, PaddingMode, Rijndael, RijndaelManaged, SYMMETRIC_EXTENSIONS, SymmetricAlgorithm, TripleDES } from './crypto/symmetric.ts';
import { BitConverter, Encoding } from './encoding.ts';
import { AddressFamily, IPAddress } from './ipaddress.ts';
import { Formatting, JArray, JConstructor, JContainer, JObject, JProperty, JRaw, JSON_EXTENSIONS, JToken, JTokenType, JValue, JsonConvert } from './json/index.ts';
import * as xml from './xml/index.ts';
import { X500DistinguishedName, X509Certificate, X509Certificate2, X509ContentType, X509NameType } from './x509.ts';

export interface ExtensionMethod {
  /** Whether this overload takes the call: the receiver decides, and the arguments where overloads differ by them. */
  appliesTo(target: unknown, args: readonly unknown[]): boolean;
  invoke(target: unknown, typeArguments: readonly string[], args: unknown[]): unknown;
}

const NAMESPACES: Record<string, Record<string, unknown>> = {
  'Newtonsoft.Json': { Formatting, JsonConvert },
  'Newtonsoft.Json.Linq': { JArray, JConstructor, JContainer, JObject, JProperty, JRaw, JToken, JTokenType, JValue },
  System: { BitConverter },
  'System.Xml': { XmlNodeType: xml.XmlNodeType },
  'System.Xml.Linq': {
    XAttribute: xml.XAttribute, XCData: xml.XCData, XComment: xml.XComment, XContainer: xml.XContainer, XDeclaration: xml.XDeclaration,
    XDocument: xml.XDocument, XDocumentType: xml.XDocumentType, XElement: xml.XElement, XName: xml.XName, XNamespace: xml.XNamespace,
    XNode: xml.XNode, XObject: xml.XObject, XProcessingInstruction: xml.XProcessingInstruction, XText: xml.XText,
    LoadOptions: xml.LoadOptions, SaveOptions: xml.SaveOptions,
  },
  'System.Text': { Encoding },
  'System.Net': { IPAddress },
  'System.Net.Sockets': { AddressFamily },
  'System.Security.Cryptography': {
    HashAlgorithm: hashes.HashAlgorithm, KeyedHashAlgorithm: hashes.KeyedHashAlgorithm, HMAC: hashes.HMAC, HashAlgorithmName: hashes.HashAlgorithmName,
    MD5: hashes.MD5, SHA1: hashes.SHA1, SHA256: hashes.SHA256, SHA384: hashes.SHA384, SHA512: hashes.SHA512,
    SHA1Managed: hashes.SHA1Managed, SHA256Managed: hashes.SHA256Managed, SHA384Managed: hashes.SHA384Managed, SHA512Managed: hashes.SHA512Managed,
    HMACMD5: hashes.HMACMD5, HMACSHA1: hashes.HMACSHA1, HMACSHA256: hashes.HMACSHA256, HMACSHA384: hashes.HMACSHA384, HMACSHA512: hashes.HMACSHA512,
    RandomNumberGenerator: hashes.RandomNumberGenerator, RNGCryptoServiceProvider: hashes.RNGCryptoServiceProvider,
    SymmetricAlgorithm, Aes, AesManaged, Rijndael, RijndaelManaged, TripleDES, CipherMode, PaddingMode,
  },
  'System.Security.Cryptography.X509Certificates': { X509Certificate, X509Certificate2, X500DistinguishedName, X509NameType, X509ContentType },
  // APIM's own types have no namespace expressions can spell.
  '': { Jwt, BasicAuthCredentials },
};

export const DOTNET_TYPES: Record<string, unknown> = {};
for (const [namespace, types] of Object.entries(NAMESPACES)) {
  for (const [name, type] of Object.entries(types)) {
    DOTNET_TYPES[name] = type;
    if (namespace) DOTNET_TYPES[`${namespace}.${name}`] = type;
  }
}

export const DOTNET_EXTENSIONS: Record<string, readonly ExtensionMethod[]> = mergeExtensions(JSON_EXTENSIONS, AUTH_EXTENSIONS, SYMMETRIC_EXTENSIONS, xml.XML_EXTENSIONS);

function mergeExtensions(...sources: Record<string, readonly ExtensionMethod[]>[]): Record<string, readonly ExtensionMethod[]> {
  const merged: Record<string, ExtensionMethod[]> = {};
  for (const source of sources) for (const [name, methods] of Object.entries(source)) (merged[name] ??= []).push(...methods);
  return merged;
}
