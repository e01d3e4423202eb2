import { DotNetException, generic } from '../../host.ts';
import { fromObject, toObject } from './convert.ts';
import { JArray, JConstructor } from './jarray.ts';
import { JContainer } from './jcontainer.ts';
import { JObject, JProperty } from './jobject.ts';
import { Formatting, JToken, JTokenType, type FormattingName } from './jtoken.ts';
import { JRaw, JValue } from './jvalue.ts';
import { parseJson } from './reader.ts';
import { writeJson } from './writer.ts';

/**
 * Newtonsoft.Json's public surface for expressions: the token classes with
 * their static constructors (Parse, FromObject, DeepEquals) and JsonConvert.
 * The statics live here because they build every token type, which the base
 * class module cannot import.
 */

const READER_STATE: Readonly<Record<string, string>> = { Object: 'StartObject', Array: 'StartArray', Constructor: 'StartConstructor' };

function parseAs<T extends JToken>(text: string, kind: string, expected: string, accept: (token: JToken) => token is T): T {
  const token = parseJson(text);
  if (accept(token)) return token;
  const state = READER_STATE[token.Type] ?? token.Type;
  throw new DotNetException('JsonReaderException', `Error reading ${kind} from JsonReader. Current JsonReader item is not ${expected}: ${state}. Path '', line 1, position 1.`);
}

function fromObjectAs<T extends JToken>(value: unknown, kind: string, accept: (token: JToken) => token is T): T {
  const token = fromObject(value);
  if (accept(token)) return token;
  throw new DotNetException('ArgumentException', `Object serialized to ${token.Type}. ${kind} instance expected.`);
}

const isObject = (token: JToken): token is JObject => token instanceof JObject;
const isArray = (token: JToken): token is JArray => token instanceof JArray;

Object.assign(JToken, {
  Parse: (text: string): JToken => parseJson(text),
  FromObject: (value: unknown): JToken => fromObject(value),
  DeepEquals: (a: JToken | null, b: JToken | null): boolean => a === b || (a !== null && b !== null && a.deepEquals(b)),
});
Object.assign(JObject, {
  Parse: (text: string): JObject => parseAs(text, 'JObject', 'an object', isObject),
  FromObject: (value: unknown): JObject => fromObjectAs(value, 'JObject', isObject),
});
Object.assign(JArray, {
  Parse: (text: string): JArray => parseAs(text, 'JArray', 'an array', isArray),
  FromObject: (value: unknown): JArray => fromObjectAs(value, 'JArray', isArray),
});
Object.assign(JProperty, {
  Parse: (text: string): JProperty => {
    throw new DotNetException('JsonReaderException', `Error reading JProperty from JsonReader. Current JsonReader item is not a property: ${READER_STATE[parseJson(text).Type] ?? 'String'}. Path '', line 1, position 1.`);
  },
});
Object.assign(JValue, { Parse: (text: string): JToken => parseJson(text) });
Object.assign(JRaw, { Create: (text: string): JRaw => new JRaw(text) });

JToken.prototype.ToObject = generic(function (this: JToken, typeArguments: readonly string[]): unknown {
  return toObject(this, typeArguments[0] ?? 'object');
});

/** Newtonsoft.Json.JsonConvert [SerializeObject, DeserializeObject]. */
export const JsonConvert = {
  /** Compact unless `Formatting.Indented` is passed; other arguments (settings, converters) are not supported. */
  SerializeObject(value: unknown, formatting?: unknown): string {
    return writeJson(fromObject(value), (typeof formatting === 'object' && formatting !== null && 'name' in formatting ? formatting.name : formatting) === Formatting.Indented);
  },

  /** Generic: without a type argument an object gives a JObject, an array a JArray, a primitive its value. */
  DeserializeObject: generic((typeArguments: readonly string[], text: string): unknown => {
    if (text === null || text === undefined) throw new DotNetException('ArgumentNullException', "Value cannot be null. (Parameter 'value')");
    const token = text.trim() === '' ? null : parseJson(text);
    return toObject(token, typeArguments[0] ?? 'object');
  }),
};

export { Formatting, JArray, JConstructor, JContainer, JObject, JProperty, JRaw, JToken, JTokenType, JValue, type FormattingName };
