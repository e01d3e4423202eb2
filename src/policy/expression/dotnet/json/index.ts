/** Newtonsoft.Json for policy expressions and for the policies that read and write JSON bodies. */
export { JsonConvert, Formatting, JArray, JConstructor, JContainer, JObject, JProperty, JRaw, JToken, JTokenType, JValue } from './linq.ts';
export type { FormattingName } from './linq.ts';
export { fromJs, toJs, fromObject, toObject } from './convert.ts';
export { parseJson } from './reader.ts';
export { writeJson } from './writer.ts';
export { JsonDate, parseJsonDate } from './dates.ts';
export { JSON_EXTENSIONS } from './extensions.ts';
