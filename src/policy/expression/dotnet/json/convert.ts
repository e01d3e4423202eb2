import { DotNetException } from '../../host.ts';
import { AnonymousObject } from '../../runtime/anonymous.ts';
import { Dictionary } from '../../runtime/collections.ts';
import { JsonDate, fromDotNetDateTime } from './dates.ts';
import { JArray } from './jarray.ts';
import { JObject, JProperty } from './jobject.ts';
import { JToken, convertToken } from './jtoken.ts';
import { JValue } from './jvalue.ts';

/**
 * Between JS values and tokens: FromObject/SerializeObject on .NET-shaped
 * values (anonymous objects are plain JS objects, dictionaries iterate as
 * {Key, Value}), ToObject/DeserializeObject<T> for collection targets, and
 * the fromJs/toJs helpers other policies (json-to-xml, set-body) use.
 */

/** JToken.FromObject: tokens are copied, plain objects and dictionaries become JObjects, enumerables JArrays. */
export function fromObject(value: unknown): JToken {
  if (value instanceof JToken) return value.DeepClone();
  if (value === null || value === undefined) return JValue.CreateNull();
  if (typeof value !== 'object' || value instanceof Uint8Array || value instanceof JsonDate || value instanceof Date) return new JValue(value);
  const date = fromDotNetDateTime(value);
  if (date) return new JValue(date);
  if (isDictionary(value)) {
    const object = new JObject();
    for (const { Key, Value } of value as Iterable<{ Key: unknown; Value: unknown }>) object.Add(new JProperty(String(Key), fromObject(Value)));
    return object;
  }
  if (value instanceof Map) {
    const object = new JObject();
    for (const [key, item] of value) object.Add(new JProperty(String(key), fromObject(item)));
    return object;
  }
  if (Symbol.iterator in value) return new JArray(...[...(value as Iterable<unknown>)].map(fromObject));
  if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null || value instanceof AnonymousObject) {
    const object = new JObject();
    for (const [key, item] of Object.entries(value)) object.Add(new JProperty(key, fromObject(item)));
    return object;
  }
  // Other host values (Guid, Uri, TimeSpan …) serialise as their string form, as Newtonsoft writes them.
  return new JValue(String((value as { ToString?: () => string }).ToString?.() ?? value));
}

/** A JS value (JSON.parse output, a policy's own data) as a token; strings are never read as dates. */
export function fromJs(value: unknown): JToken {
  return fromObject(value);
}

/** A token as plain JS data: objects, arrays, strings, numbers, booleans, null; dates as their ISO text, bytes as base64. */
export function toJs(token: JToken | null): unknown {
  if (token === null) return null;
  switch (token.Type) {
    case 'Object': {
      const result: Record<string, unknown> = {};
      for (const property of (token as JObject).Properties()) result[property.Name] = toJs(property.Value);
      return result;
    }
    case 'Array':
    case 'Constructor':
      return token.Children().map(toJs);
    case 'Property':
      return toJs((token as JProperty).Value);
    case 'Raw':
      return JSON.parse(String((token as JValue).raw));
  }
  const value = (token as JValue).raw;
  if (value instanceof JsonDate) return value.toIsoString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  return value;
}

function isDictionary(value: object): boolean {
  return Symbol.iterator in value && typeof (value as { ContainsKey?: unknown }).ContainsKey === 'function';
}

const SEQUENCE = /^(?:(?<element>.+)\[\]|(?:List|IList|IEnumerable|ICollection|IReadOnlyList|IReadOnlyCollection|HashSet)<(?<generic>.+)>)$/;
const DICTIONARY = /^(?:Dictionary|IDictionary|IReadOnlyDictionary)<\s*string\s*,\s*(?<value>.+)>$/;

/**
 * JToken.ToObject<T>() / DeserializeObject<T>(): token types and primitives
 * as an explicit cast, arrays and lists as JS arrays, string-keyed
 * dictionaries as the runtime's Dictionary, `object` as the token (or a JValue's value).
 */
export function toObject(token: JToken | null, typeName: string): unknown {
  const type = typeName.replace(/\s+/g, ' ').trim();
  if (type === 'object' || type === 'dynamic') return token instanceof JValue ? token.Value : token;
  const sequence = SEQUENCE.exec(type)?.groups;
  if (sequence) {
    if (token === null || token.Type === 'Null') return null;
    if (token.Type !== 'Array') throw cannotDeserialize(token, type, 'JSON array (e.g. [1,2,3])');
    return token.Children().map((item) => toObject(item, (sequence.element ?? sequence.generic)!.trim()));
  }
  const dictionary = DICTIONARY.exec(type)?.groups;
  if (dictionary) {
    if (token === null || token.Type === 'Null') return null;
    if (token.Type !== 'Object') throw cannotDeserialize(token, type, 'JSON object (e.g. {"name":"value"})');
    const result = new Dictionary();
    for (const property of (token as JObject).Properties()) result.Add(property.Name, toObject(property.Value, dictionary.value!.trim()));
    return result;
  }
  if (type === 'string' && token !== null && (token.Type === 'Object' || token.Type === 'Array')) {
    throw new DotNetException('JsonReaderException', `Unexpected character encountered while parsing value: ${token.Type === 'Object' ? '{' : '['}. Path '', line 1, position 1.`);
  }
  return convertToken(token, type);
}

function cannotDeserialize(token: JToken, type: string, expected: string): DotNetException {
  return new DotNetException(
    'JsonSerializationException',
    `Cannot deserialize the current JSON ${token.Type.toLowerCase()} into type '${type}' because the type requires a ${expected} to deserialize correctly. Path ''.`,
  );
}
