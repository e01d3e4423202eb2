import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression } from '../../../src/policy/expression/index.ts';
import { fakeContext } from './fake-context.ts';

const at = { file: 'policy.xml', line: 1, column: 1 };
const run = (source: string) => compileExpression(source, at)(fakeContext({ s: 'hello', n: 7, none: null, list: ['a', 'b'] }));

function check(cases: readonly [string, unknown][]): void {
  const failures: string[] = [];
  for (const [source, expected] of cases) {
    try {
      const actual = run(source);
      if (!isDeepStrictEqual(actual, expected)) failures.push(`${source}\n  got ${JSON.stringify(actual)}`);
    } catch (e) {
      failures.push(`${source}\n  threw ${(e as Error).message}`);
    }
  }
  assert.deepEqual(failures, []);
}
import { isDeepStrictEqual } from 'node:util';

test('is patterns: types with designations, null, not, var, constants', () => {
  check([
    ['@(context.Variables["s"] is string s ? s.ToUpper() : "no")', 'HELLO'],
    ['@(context.Variables["n"] is string s ? s : "no")', 'no'],
    ['@(context.Variables["n"] is int i && i > 5)', true],
    ['@(context.Variables["none"] is null)', true],
    ['@(context.Variables["s"] is not null)', true],
    ['@(context.Variables["none"] is not null)', false],
    ['@(context.Variables["n"] is not string)', true],
    ['@(context.Variables["s"] is "hello")', true],
    ['@(context.Variables["n"] is 7)', true],
    ['@(context.Variables["s"] is var v && v.Equals("hello"))', true],
    ['@(context.Variables["list"] is string[] arr ? arr.Length : -1)', 2],
    ['@(context.Variables["s"] is string ? "str" : "other")', 'str'],
    ['@(JToken.Parse("{}") is JObject o ? o.Count : -1)', 0],
    ['@(JToken.Parse("{}").Type is JTokenType.Object)', true],
  ]);
});

test('switch sections with type patterns, when guards, null and default', () => {
  const classify = (value: string) =>
    `@{ object v = ${value}; switch (v) { case null: return "null"; case string s when s.Length == 0: return "empty"; case string s: return "string " + s; ` +
    `case int i when i > 10: return "big"; case int i: return "int " + i; case JObject o: return "object " + o.Count; default: return "other"; } }`;
  check([
    [classify('null'), 'null'],
    [classify('""'), 'empty'],
    [classify('"x"'), 'string x'],
    [classify('42'), 'big'],
    [classify('3'), 'int 3'],
    [classify('new JObject()'), 'object 0'],
    [classify('true'), 'other'],
    ['@{ var r = ""; switch ("b") { case "a": case "b": r = "ab"; break; default: r = "z"; break; } return r; }', 'ab'],
    ['@{ switch (JToken.Parse("1").Type) { case JTokenType.String: return "s"; case JTokenType.Integer when true: return "i"; default: return "?"; } }', 'i'],
    ['@{ var n = 0; switch (n) { default: return "d"; case 0 when n < 0: return "neg"; } }', 'd'],
  ]);
});

test('delegates: Func and Action locals, invoked directly and through Invoke', () => {
  check([
    ['@{ Func<int, int> twice = x => x * 2; return twice(4); }', 8],
    ['@{ Func<string, string, string> join = (a, b) => a + "-" + b; return join.Invoke("x", "y"); }', 'x-y'],
    ['@{ Func<int> seven = () => 7; return seven() + 1; }', 8],
    ['@{ var log = new List<string>(); Action<string> add = s => log.Add(s); add("a"); add("b"); return string.Join(",", log); }', 'a,b'],
    ['@{ Func<string, bool> isLong = s => s.Length > 3; return new[] {"ab", "abcd"}.Where(isLong).First(); }', 'abcd'],
    ['@{ Predicate<int> even = i => i % 2 == 0; return even(4); }', true],
  ]);
});

test('typeof gives System.Type names', () => {
  check([
    ['@(typeof(string).Name)', 'String'],
    ['@(typeof(int).FullName)', 'System.Int32'],
    ['@(typeof(JObject).FullName)', 'Newtonsoft.Json.Linq.JObject'],
    ['@(typeof(string) == typeof(String))', true],
    ['@(typeof(string[]).Name)', 'String[]'],
  ]);
});

test('TimeZoneInfo: IANA and Windows ids, conversions from and to UTC', () => {
  check([
    ['@(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(2024, 1, 15, 12, 0, 0, DateTimeKind.Utc), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ToString("yyyy-MM-dd HH:mm"))', '2024-01-15 13:00'],
    ['@(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(2024, 7, 15, 12, 0, 0, DateTimeKind.Utc), TimeZoneInfo.FindSystemTimeZoneById("W. Europe Standard Time")).Hour)', 14],
    ['@(TimeZoneInfo.ConvertTimeFromUtc(new DateTime(2024, 7, 15, 2, 0, 0), TimeZoneInfo.FindSystemTimeZoneById("Eastern Standard Time")).ToString("MM-dd HH:mm"))', '07-14 22:00'],
    ['@(TimeZoneInfo.ConvertTimeToUtc(new DateTime(2024, 1, 15, 13, 0, 0), TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin")).ToString("o"))', '2024-01-15T12:00:00.0000000Z'],
    ['@(TimeZoneInfo.FindSystemTimeZoneById("India Standard Time").BaseUtcOffset.ToString())', '05:30:00'],
    ['@(TimeZoneInfo.FindSystemTimeZoneById("Asia/Kolkata").GetUtcOffset(DateTime.UtcNow).TotalMinutes)', 330],
    ['@(TimeZoneInfo.FindSystemTimeZoneById("Europe/London").IsDaylightSavingTime(new DateTime(2024, 7, 1, 0, 0, 0, DateTimeKind.Utc)))', true],
    ['@(TimeZoneInfo.Utc.Id)', 'UTC'],
    ['@(TimeZoneInfo.ConvertTime(DateTimeOffset.FromUnixTimeSeconds(0), TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).Hour)', 9],
    ['@(TimeZoneInfo.ConvertTimeBySystemTimeZoneId(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), "Pacific Standard Time").Day)', 31],
    ['@{ try { TimeZoneInfo.FindSystemTimeZoneById("Mars/Olympus"); return "found"; } catch (TimeZoneNotFoundException e) { return e.Message; } }', "The time zone ID 'Mars/Olympus' was not found on the local computer."],
  ]);
});

test('StringReader and StringWriter', () => {
  check([
    ['@{ var r = new StringReader("a\\r\\nb\\nc"); var lines = new List<string>(); string line; while ((line = r.ReadLine()) != null) { lines.Add(line); } return string.Join("|", lines); }', 'a|b|c'],
    ['@{ var r = new StringReader("xy"); var first = (char)r.Read(); return first + r.ReadToEnd(); }', 'xy'],
    ['@{ var w = new StringWriter(); w.Write("a"); w.Write(1); w.WriteLine(); w.WriteLine("b"); return w.ToString(); }', 'a1\nb\n'],
    ['@(XDocument.Parse(new StringReader("<a>1</a>").ReadToEnd()).Root.Value)', '1'],
  ]);
});
