import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression } from '../../../src/policy/expression/index.ts';
import { fakeContext } from './fake-context.ts';

/** The .NET library types (dotnet/) used from real C# source through the compiler and runtime. */

const at = { file: 'policy.xml', line: 1, column: 1 };
const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsImF1ZCI6WyJhcGkiLCJ3ZWIiXSwiZXhwIjoxNzAwMDAwMDAwfQ.c2ln';
const ctx = fakeContext({ json: '{"a":1,"b":"x","c":[1,2,3],"d":{"e":true}}', xml: '<r xmlns="urn:x"><a id="1">one</a><a id="2">two</a><b/></r>', jwt: `Bearer ${JWT}` });
const run = (source: string) => compileExpression(source, at)(ctx);

const cases: [string, unknown][] = [
  // 1. extension methods named like a property: Value<T>() on JValue/JProperty, Values/Children/Properties on sequences
  ['@(JToken.Parse("\\"x\\"").Value<string>())', 'x'],
  ['@(JObject.Parse((string)context.Variables["json"]).Value<int>("a") + 1)', 2],
  ['@(JObject.Parse((string)context.Variables["json"]).Property("b").Value.Value<string>())', 'x'],
  ['@(JObject.Parse((string)context.Variables["json"])["d"].Value<bool>("e"))', true],
  ['@(JObject.Parse((string)context.Variables["json"]).Property("b").Value.ToString())', 'x'],
  ['@(string.Join(",", JObject.Parse((string)context.Variables["json"])["c"].Values<int>()))', '1,2,3'],
  ['@(JArray.Parse("[{\\"a\\":1},{\\"a\\":2}]").Children().Values<int>("a").Sum())', 3],
  ['@(JArray.Parse("[{\\"a\\":1},{\\"b\\":2}]").Children<JObject>().Properties().Select(p => p.Name).Last())', 'b'],
  ['@(JArray.Parse("[[1],[2,3]]").Children().Children().Count())', 3],
  ['@(XDocument.Parse((string)context.Variables["xml"]).Root.Elements().Attributes("id").Count())', 2],
  ['@(XDocument.Parse("<r><a><b>1</b></a><a><b>2</b></a></r>").Root.Elements("a").Elements("b").Last().Value)', '2'],
  ['@(XDocument.Parse("<r><a><b>1</b></a><a><b>2</b></a></r>").Root.Elements("a").Descendants("b").Count())', 2],
  ['@{ var d = XDocument.Parse("<r><a/><a/><b/></r>"); d.Root.Elements("a").Remove(); return d.Root.ToString(); }', '<r>\n  <b />\n</r>'],
  // 2. namespaced type names
  ['@(Convert.ToBase64String(new System.Security.Cryptography.HMACSHA256 { Key = Encoding.UTF8.GetBytes("k") }.ComputeHash(Encoding.UTF8.GetBytes("m"))))', 'tgCQ4wUil661oICInOL8S8qVfnVvrrTffTGADKHncew='],
  ['@(new Newtonsoft.Json.Linq.JObject(new Newtonsoft.Json.Linq.JProperty("a", 1)).ToString(Newtonsoft.Json.Formatting.None))', '{"a":1}'],
  ['@(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String("aGk=")))', 'hi'],
  ['@(((Newtonsoft.Json.Linq.JObject)JToken.Parse("{}")).Count)', 0],
  ['@(JToken.Parse("{}") is Newtonsoft.Json.Linq.JObject)', true],
  ['@(System.Net.IPAddress.Parse("10.0.0.1").AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)', true],
  // 3. string enums from dotnet/ next to the runtime's EnumValue enums
  ['@(JToken.Parse("{}").Type == JTokenType.Object)', true],
  ['@(JToken.Parse("[]").Type != JTokenType.Object)', true],
  ['@(JToken.Parse("1").Type.ToString())', 'Integer'],
  ['@($"{JToken.Parse("true").Type}")', 'Boolean'],
  ['@(JObject.Parse("{\\"a\\": [1, 2]}").ToString(Formatting.None))', '{"a":[1,2]}'],
  ['@(JsonConvert.SerializeObject(new { a = 1 }, Formatting.Indented))', '{\n  "a": 1\n}'],
  ['@{ switch (JToken.Parse("[1]").Type) { case JTokenType.Object: return "o"; case JTokenType.Array: return "a"; default: return "?"; } }', 'a'],
  ['@((int)DateTimeKind.Utc)', 1],
  ['@(DateTimeKind.Utc.ToString())', 'Utc'],
  ['@(DateTimeKind.Utc == DateTimeKind.Utc && DateTimeKind.Utc != DateTimeKind.Local)', true],
  ['@(JObject.Parse("{\\"Name\\":1}").GetValue("name", StringComparison.OrdinalIgnoreCase).ToString())', '1'],
  ['@(XDocument.Parse("<r/>").Root.NodeType == XmlNodeType.Element)', true],
  ['@(new [] { JTokenType.Object, JTokenType.Array }.Contains(JToken.Parse("[]").Type))', true],
  // 4. Jwt and BasicAuthCredentials as types
  ['@{ Jwt jwt; return ((string)context.Variables["jwt"]).TryParseJwt(out jwt) ? jwt.Subject : null; }', 'alice'],
  ['@(((string)context.Variables["jwt"]).TryParseJwt(out var jwt) ? string.Join(" ", jwt.Audiences) : "")', 'api web'],
  ['@(((string)context.Variables["jwt"]).AsJwt() is Jwt j ? j.Claims.GetValueOrDefault("aud", "") : "none")', 'api,web'],
  ['@(((string)context.Variables["jwt"]).AsJwt() as Jwt != null)', true],
  ['@(((Jwt)((string)context.Variables["jwt"]).AsJwt()).ExpirationTime.Value.Year)', 2023],
  ['@(context.Request.Headers.GetValueOrDefault("Authorization", "").AsBasic() is BasicAuthCredentials c ? c.UserId : "")', 'user'],
  ['@(context.Request.Headers.GetValueOrDefault("Authorization", "").TryParseBasic(out BasicAuthCredentials creds) && creds.Password == "pass")', true],
  ['@("x".AsJwt() is Jwt)', false],
  // 5. XML
  ['@{ XNamespace ns = "urn:x"; var doc = XDocument.Parse((string)context.Variables["xml"]); return (string)doc.Root.Element(ns + "a"); }', 'one'],
  ['@{ var ns = XNamespace.Get("urn:x"); return XDocument.Parse((string)context.Variables["xml"]).Root.Element(ns + "a").Attribute("id").Value; }', '1'],
  ['@(string.Join("|", XDocument.Parse((string)context.Variables["xml"]).Descendants("{urn:x}a").Select(e => e.Value)))', 'one|two'],
  ['@(XDocument.Parse((string)context.Variables["xml"]).Descendants().Where(r => r.Name.LocalName == "a").First().Value)', 'one'],
  ['@((int)XElement.Parse("<n>42</n>") + 1)', 43],
  ['@(XElement.Parse("<n a=\\"1\\"/>").Attribute("a") != null)', true],
  ['@(new XElement("a", new XAttribute("id", 1), "t").ToString())', '<a id="1">t</a>'],
  ['@(XElement.Parse("<a><b/></a>").Element("b").Name == "b")', true],
];

test('library types work through compiled expressions', () => {
  const failures: string[] = [];
  for (const [source, expected] of cases) {
    try {
      const actual = run(source);
      try {
        assert.deepEqual(actual, expected);
      } catch {
        failures.push(`${source}\n  got ${JSON.stringify(actual)}`);
      }
    } catch (e) {
      failures.push(`${source}\n  threw ${(e as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
});
