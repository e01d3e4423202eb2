import type { ExtensionMethod } from '../index.ts';
import { JObject, JProperty } from './jobject.ts';
import { JToken, convertToken } from './jtoken.ts';

/**
 * Newtonsoft.Json.Linq.Extensions on a token or a sequence of tokens:
 * `token.Value<string>()`, `obj.Value<int>("count")`, `tokens.Values<string>()`,
 * `tokens.Children()`, `objects.Properties()`. `Value` lives here rather
 * than on JToken because JValue and JProperty have a `Value` property.
 */

function isTokenSequence(target: unknown): target is Iterable<JToken> {
  return Array.isArray(target) && target.every((item) => item instanceof JToken);
}

export const JSON_EXTENSIONS: Record<string, readonly ExtensionMethod[]> = {
  Value: [
    {
      appliesTo: (target) => target instanceof JToken,
      invoke: (target, typeArguments, args) => {
        const token = target as JToken;
        const typeName = typeArguments[0] ?? 'object';
        return convertToken(args.length === 0 ? token : token.get_Item(args[0] as string | number), typeName);
      },
    },
  ],
  Values: [
    {
      appliesTo: isTokenSequence,
      invoke: (target, typeArguments, args) => {
        const typeName = typeArguments[0] ?? 'JToken';
        const tokens = [...(target as Iterable<JToken>)];
        // with a key: each token's child of that key (tokens without one are skipped); without: values and children
        if (args.length > 0 && args[0] !== null) {
          return tokens.map((token) => token.get_Item(args[0] as string | number)).filter((item) => item !== null).map((item) => convertToken(item, typeName));
        }
        return tokens.flatMap((token) =>
          !token.HasValues && token.Type !== 'Object' && token.Type !== 'Array'
            ? [convertToken(token, typeName)]
            : (token.Values as (t: readonly string[]) => unknown[])(typeArguments),
        );
      },
    },
  ],
  Children: [{ appliesTo: isTokenSequence, invoke: (target) => [...(target as Iterable<JToken>)].flatMap((token) => token.Children()) }],
  Properties: [
    {
      appliesTo: isTokenSequence,
      invoke: (target) => [...(target as Iterable<JToken>)].flatMap((token): JProperty[] => (token instanceof JObject ? token.Properties() : [])),
    },
  ],
};
