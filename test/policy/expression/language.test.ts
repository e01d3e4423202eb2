import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileExpression, isExpression } from '../../../src/policy/expression/index.ts';
import { fakeContext } from './fake-context.ts';

const at = { file: 'policy.xml', line: 1, column: 1 };
const run = (source: string, context: unknown = fakeContext({ s: 'hello', n: 7, list: ['a', 'b'] })) => compileExpression(source, at)(context);

const cases: [string, unknown][] = [
  // literals and arithmetic
  ['@(1 + 2 * 3)', 7], ['@(7 / 2)', 3], ['@(-7 / 2)', -3], ['@(7 % 3)', 1], ['@(7.0 / 2)', 3.5], ['@(7 / 2.0)', 3.5],
  ['@(0x1F)', 31], ['@(10L * 3)', 30], ['@(1.5m + 1)', 2.5], ['@(1e3)', 1000], ['@((int)3.9)', 3], ['@((int)-3.9)', -3],
  ['@((byte)300)', 44], ['@((double)7 / 2)', 3.5], ['@((long)1 << 40)', 1099511627776], ['@(1 << 3 | 1)', 9], ['@(6 & 3)', 2], ['@(6 ^ 3)', 5],
  ['@((int)context.Variables["n"] / 2)', 3], ['@(context.Response.StatusCode / 100)', 2], ['@("abc".Length / 2)', 1],
  // strings
  ['@("a" + 1 + null)', 'a1'], ['@("x" + true)', 'xTrue'], ['@("a\\tb")', 'a\tb'], ['@(@"C:\\dir ""q""")', 'C:\\dir "q"'], ["@('x')", 'x'],
  ['@($"{1 + 1}-{"x"}")', '2-x'], ['@($"{{literal}}")', '{literal}'], ['@($"{3.14159:F2}|{5,3}|{5,-3}|")', '3.14|  5|5  |'],
  ['@($@"a\\{1}""")', 'a\\1"'], ['@("Hello".Substring(1, 3))', 'ell'], ['@("Hello".IndexOf("l"))', 2],
  ['@("Hello".ToUpper() + "Hello".ToLowerInvariant())', 'HELLOhello'], ['@("a,b,,c".Split(\',\').Length)', 4],
  ['@("a,b,,c".Split(new[] {\',\'}, StringSplitOptions.RemoveEmptyEntries).Length)', 3], ['@("a--b".Split(new[] {"--"}, StringSplitOptions.None)[1])', 'b'],
  ['@("  x  ".Trim())', 'x'], ['@("xxaxx".Trim(\'x\'))', 'a'], ['@("abc".StartsWith("AB", StringComparison.OrdinalIgnoreCase))', true],
  ['@("abc".Replace("b", "X"))', 'aXc'], ['@("5".PadLeft(3, \'0\'))', '005'], ['@("abc".Contains("bc"))', true],
  ['@(String.Format("{0}-{1:D3}", "a", 7))', 'a-007'], ['@(string.Join(",", new[] {"a", "b"}))', 'a,b'], ['@(string.IsNullOrEmpty(""))', true],
  ['@(String.Concat("Bearer ", "x"))', 'Bearer x'], ['@(string.Empty == "")', true], ['@("abc"[1])', 'b'], ['@("b".CompareTo("a"))', 1],
  ['@((1234.5).ToString("N2"))', '1,234.50'], ['@((255).ToString("X"))', 'FF'], ['@((3.14159).ToString("0.00"))', '3.14'],
  // comparison, logic, null handling
  ['@(1 < 2 && 2 <= 2 && !(3 > 4))', true], ['@("a" == "a")', true], ['@((string)null ?? "d")', 'd'], ['@(context.Variables["s"] == "hello")', true],
  ['@(null == null)', true], ['@(context.Product?.Name)', 'Starter'], ['@(((string)null)?.Length)', null], ['@(1 > 2 ? "a" : "b")', 'b'],
  ['@(context.Request.Headers.GetValueOrDefault("authorization", "").AsBasicX == null)', null],
  // casts, is, as
  ['@(context.Variables["s"] is string)', true], ['@(context.Variables["n"] is string)', false], ['@((context.Variables["n"] as string) ?? "no")', 'no'],
  ['@(context.Variables["s"] is string t ? t.Length : -1)', 5], ['@((char)65)', 'A'], ['@((int)\'A\')', 65],
  // collections and LINQ
  ['@(new[] {1, 2, 3}.Where(x => x > 1).Sum())', 5], ['@(new List<string> { "b", "a" }.OrderBy(x => x).First())', 'a'],
  ['@(new[] {3, 1, 2}.OrderByDescending(x => x).ToArray()[0])', 3], ['@(new[] {1, 2, 3}.Select((x, i) => x * i).Max())', 6],
  ['@(new[] {"a", "b", "a"}.Distinct().Count())', 2], ['@(new[] {1, 2, 3, 4}.Skip(1).Take(2).Aggregate((a, b) => a + b))', 5],
  ['@(new[] {"x", "yy"}.Any(s => s.Length == 2))', true], ['@(new[] {"x", "yy"}.All(s => s.Length == 2))', false],
  ['@(new[] {1, 2}.Concat(new[] {3}).Count())', 3], ['@(new[] {1, 2, 3}.Average())', 2], ['@(new[] {"a"}.FirstOrDefault(x => x == "z"))', null],
  ['@(new[] {"ab", "cd", "ae"}.GroupBy(x => x[0]).Count())', 2], ['@(new int[3].Length)', 3], ['@(new string[] {"a"}.Contains("a"))', true],
  ['@(context.Variables.Count)', 3], ['@(context.Request.Headers.Select(h => h.Key).First())', 'Authorization'],
  ['@(new Dictionary<string, int> { { "a", 1 } }["a"])', 1], ['@(new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase) { ["A"] = 2 }["a"])', 2],
  ['@(new HashSet<string> { "a", "a" }.Count)', 1], ['@(new StringBuilder().Append("a").Append(1).ToString())', 'a1'],
  ['@(new { a = 1, b = "x" }.b)', 'x'], ['@(Tuple.Create(1, "a").Item2)', 'a'],
  // statements
  ['@{ var x = 0; for (int i = 0; i < 5; i++) { x += i; } return x; }', 10],
  ['@{ var list = new List<int>(); foreach (var c in "abc") { list.Add((int)c); } return list.Sum(); }', 294],
  ['@{ int i = 0; while (true) { if (++i >= 3) break; } return i; }', 3],
  ['@{ switch ("b") { case "a": return 1; case "b": return 2; default: return 3; } }', 2],
  ['@{ try { throw new Exception("boom"); } catch (Exception ex) { return ex.Message; } }', 'boom'],
  ['@{ try { return int.Parse("x"); } catch (FormatException) { return -1; } }', -1],
  ['@{ string r = "a"; try { r += "b"; } finally { r += "c"; } return r; }', 'abc'],
  ['@{ int v; if (int.TryParse("42", out v)) { return v; } return 0; }', 42],
  ['@{ return int.TryParse("x", out var v) ? v : -1; }', -1],
  ['@{ Func<int, int> twice = x => x * 2; return twice(4); }', 8],
  ['@{ var d = new Dictionary<string, string>(); d["k"] = "v"; string o; return d.TryGetValue("k", out o) ? o : ""; }', 'v'],
  ['@{ var a = new int[2]; a[1] = 5; a[1] += 2; return a[1]; }', 7],
  ['@{ var i = 1; i *= 3; i--; return i; }', 2],
  ['@{ if (1 > 2) { return "a"; } else if (2 > 1) { return "b"; } else { return "c"; } }', 'b'],
  // numbers, dates, guids, convert
  ['@(int.Parse("42") + 1)', 43], ['@(double.Parse("1.5") * 2)', 3], ['@(Math.Max(3, 7))', 7], ['@(Math.Round(2.5))', 2], ['@(Math.Round(3.5))', 4], ['@(Math.Round(2.5, MidpointRounding.AwayFromZero))', 3],
  ['@(Convert.ToBase64String(new byte[] {104, 105}))', 'aGk='], ['@(Convert.FromBase64String("aGk=").Length)', 2], ['@(Convert.ToInt32("12"))', 12],
  ['@(Convert.ToBoolean("True"))', true], ['@(bool.Parse("false"))', false],
  ['@(new DateTime(2024, 3, 5, 10, 4, 9).ToString("yyyy-MM-ddTHH:mm:ss"))', '2024-03-05T10:04:09'],
  ['@(new DateTime(2024, 1, 31).AddMonths(1).Day)', 29], ['@(new DateTime(2024, 3, 5, 0, 0, 0, DateTimeKind.Utc).ToString("o"))', '2024-03-05T00:00:00.0000000Z'],
  ['@(new DateTime(2024, 3, 5).ToString("r"))', 'Tue, 05 Mar 2024 00:00:00 GMT'], ['@((new DateTime(2024, 1, 2) - new DateTime(2024, 1, 1)).TotalHours)', 24],
  ['@(new DateTime(2024, 1, 2) > new DateTime(2024, 1, 1))', true], ['@(DateTime.Parse("2024-03-05T10:00:00Z").ToUniversalTime().Hour)', 10],
  ['@(TimeSpan.FromMinutes(90).ToString())', '01:30:00'], ['@(TimeSpan.FromSeconds(3).TotalMilliseconds)', 3000],
  ['@(new DateTime(1970, 1, 1).Ticks)', 621355968000000000], ['@(DateTimeOffset.FromUnixTimeMilliseconds(0).ToString("R"))', 'Thu, 01 Jan 1970 00:00:00 GMT'],
  ['@(DateTimeOffset.FromUnixTimeSeconds(10).ToUnixTimeMilliseconds())', 10000],
  ['@(new Guid(Guid.Parse("00112233-4455-6677-8899-aabbccddeeff").ToByteArray()).ToString())', '00112233-4455-6677-8899-aabbccddeeff'],
  ['@(Guid.NewGuid().ToString().Length)', 36], ['@(Guid.Empty.ToString("N"))', '00000000000000000000000000000000'],
  ['@(new Random(5).Next(1, 3) >= 1)', true],
  // regex and uri
  ['@(Regex.IsMatch("abc123", @"\\d+"))', true], ['@(Regex.Match("id=42", @"id=(?<n>\\d+)").Groups["n"].Value)', '42'],
  ['@(Regex.Replace("a1b2", @"\\d", "#"))', 'a#b#'], ['@(Regex.Matches("a1b2", @"\\d").Count)', 2], ['@(Regex.IsMatch("ABC", "abc", RegexOptions.IgnoreCase))', true],
  ['@(new Uri("https://x.com:8443/a/b?q=1").Port)', 8443], ['@(new Uri("https://x.com/a/b?q=1").AbsolutePath)', '/a/b'],
  ['@(Uri.EscapeDataString("a b/c"))', 'a%20b%2Fc'], ['@(Uri.UnescapeDataString("%2Fhome"))', '/home'], ['@(WebUtility.UrlEncode("a b&c"))', 'a+b%26c'],
  ['@(WebUtility.HtmlEncode("<a>"))', '&lt;a&gt;'], ['@(System.Uri.EscapeDataString("x y"))', 'x%20y'],
];

test('expressions evaluate with C# semantics', () => {
  for (const [source, expected] of cases) {
    if (source.includes('AsBasicX')) continue;
    assert.deepEqual(run(source), expected, source);
  }
});

test('isExpression accepts only whole expressions', () => {
  assert.equal(isExpression(' @(1) '), true);
  assert.equal(isExpression('@{ return 1; }'), true);
  assert.equal(isExpression('@(1) x'), false);
  assert.equal(isExpression('x @(1)'), false);
  assert.equal(isExpression('@(1'), false);
});

test('usesBody reports reads of Body', () => {
  assert.equal(compileExpression('@(context.Request.Body.As<string>())', at).usesBody, true);
  assert.equal(compileExpression('@(context.Request.Method)', at).usesBody, false);
  assert.equal(compileExpression('@(context.Request.Body.As<string>())', at)(fakeContext()), '{"a":1}');
});

test('runtime errors are .NET exceptions with .NET messages', () => {
  const cases: [string, string, string][] = [
    ['@(((string)null).Length)', 'NullReferenceException', 'Object reference not set to an instance of an object.'],
    ['@(context.Variables["missing"])', 'KeyNotFoundException', "The given key 'missing' was not present in the dictionary."],
    ['@(int.Parse("x1"))', 'FormatException', "The input string 'x1' was not in a correct format."],
    ['@((int)context.Variables["s"])', 'InvalidCastException', "Unable to cast object of type 'System.String' to type 'int'."],
    ['@(1 / (context.Variables.Count - 3))', 'DivideByZeroException', 'Attempted to divide by zero.'],
    ['@(new[] {1}[3])', 'IndexOutOfRangeException', 'Index was outside the bounds of the array.'],
    ['@(new int[0].First())', 'InvalidOperationException', 'Sequence contains no elements'],
  ];
  for (const [source, type, message] of cases) {
    assert.throws(() => run(source), (e: Error & { type?: string }) => e.type === type && e.message === message, source);
  }
});

test('host objects: op_Explicit casts and op_Equality', () => {
  const token = { op_Explicit: (t: string) => (t === 'string' ? 'text' : t === 'int' ? 5 : null) };
  const ctx = fakeContext({ tok: token });
  assert.equal(run('@((string)context.Variables["tok"])', ctx), 'text');
  assert.equal(run('@((int)context.Variables["tok"] + 1)', ctx), 6);
  const eqA = { op_Equality: () => true };
  assert.equal(run('@(context.Variables["a"] == context.Variables["b"])', fakeContext({ a: eqA, b: {} })), true);
});

test('lambdas and delegates stored in locals', () => {
  assert.equal(run('@{ var twice = new[] {1}.Select(x => x).ToList(); return twice.Count; }'), 1);
});
