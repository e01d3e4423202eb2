/** A small `context` built from plain JS objects following host.ts conventions. */
import { generic } from '../../../src/policy/expression/host.ts';
import { DotNetException } from '../../../src/policy/expression/host.ts';
import { parseJson } from '../../../src/policy/expression/dotnet/json/index.ts';

/** A message body read as APIM reads it: `As<string>()`, or parsed by `As<JObject>()` / `As<JArray>()` / `As<JToken>()`. */
export function body(text: string) {
  return { As: generic((t: readonly string[]) => (t[0] === 'string' ? text : parseJson(text))) };
}

/** What send-request stores in a variable: an IResponse with a status and a body. */
export function response(text: string, statusCode = 200) {
  return { StatusCode: statusCode, Body: body(text) };
}

function dictionary(entries: Record<string, unknown>, ignoreCase = false) {
  const find = (key: string) => Object.keys(entries).find((k) => (ignoreCase ? k.toLowerCase() === key.toLowerCase() : k === key));
  return {
    get_Item(key: string) {
      const k = find(key);
      if (k === undefined) throw new DotNetException('KeyNotFoundException', `The given key '${key}' was not present in the dictionary.`);
      return entries[k];
    },
    ContainsKey: (key: string) => find(key) !== undefined,
    get Count() {
      return Object.keys(entries).length;
    },
    *[Symbol.iterator]() {
      for (const [Key, Value] of Object.entries(entries)) yield { Key, Value };
    },
    GetValueOrDefault: generic((_t: readonly string[], key: string, fallback: unknown = null) => {
      const k = find(key);
      if (k === undefined) return fallback;
      const v = entries[k];
      return Array.isArray(v) ? v.join(',') : v;
    }),
  };
}

export function fakeContext(variables: Record<string, unknown> = {}, responseBody = '{"a":1}') {
  const url = { Host: 'api.contoso.com', Path: '/echo/resource', Port: 443, Scheme: 'https', Query: dictionary({ redirect: ['%2Fhome'] }), QueryString: '?redirect=%2Fhome', ToString: () => 'https://api.contoso.com/echo/resource?redirect=%2Fhome' };
  return {
    Request: {
      Method: 'POST',
      Headers: dictionary({ Authorization: ['Basic dXNlcjpwYXNz'], 'Content-Length': ['42'], 'X-Forwarded-Port': ['8443'] }, true),
      Url: url,
      OriginalUrl: url,
      MatchedParameters: dictionary({ place: 'Seattle', Goober: 'secret' }),
      IpAddress: '10.0.0.1',
      Body: { As: generic((t: readonly string[]) => (t[0] === 'string' ? '{"a":1}' : null)) },
    },
    Response: { StatusCode: 200, Headers: dictionary({}, true), Body: body(responseBody) },
    Variables: dictionary(variables),
    Product: { Name: 'Starter' },
    User: { Id: 'user-1' },
    Deployment: { Region: 'West Europe' },
    Api: { Path: '/echo', ServiceUrl: { Host: 'backend.contoso.com', Port: 8080 } },
    LastError: { Source: 'validate-jwt', Reason: 'TokenExpired', Message: 'expired', Scope: 'api', Section: 'inbound', Path: 'choose', PolicyId: 'p1' },
    RequestId: { GetHashCode: () => 12345 },
  };
}
