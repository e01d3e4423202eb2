import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { SnapshotSchema, type Snapshot } from '../../src/config/model.ts';
import { ApimgwError } from '../../src/errors.ts';
import { Forwarder } from '../../src/gateway/forward.ts';
import { compilePolicies } from '../../src/policy/compile.ts';
import { MAX_ELEMENT_DEPTH } from '../../src/policy/xml.ts';
import type { PolicyServices } from '../../src/policy/services.ts';
import { MemoryStore } from '../../src/state/memory-store.ts';
import { configFromYaml, REPO_ROOT } from '../helpers.ts';
import { caseRandom, fuzzRun, type Random } from './fuzz-random.ts';

/**
 * Mutated real policy documents through the whole compiler: each either
 * compiles or fails with APIMGW_E_CONFIG_INVALID whose every detail is located
 * inside the document; no other exception, no stack overflow, no slow case.
 */

const FILE = 'fuzz/policy.xml';
const SLOW_CASE_MS = 2000;

function corpus(): string[] {
  const snippets = path.join(REPO_ROOT, 'test/fixtures/policy-snippets');
  const apiops = path.join(REPO_ROOT, 'test/fixtures/apiops-sample');
  const files = [
    ...fs.readdirSync(snippets).filter((name) => name.endsWith('.xml')).map((name) => path.join(snippets, name)),
    ...fs.readdirSync(apiops, { recursive: true, encoding: 'utf8' }).filter((name) => path.basename(name) === 'policy.xml').map((name) => path.join(apiops, name)),
  ].sort();
  const example = configFromYaml(fs.readFileSync(path.join(REPO_ROOT, 'examples/gateway.yaml'), 'utf8')).snapshot.apis.flatMap((api) => api.policy ?? []);
  return [...files.map((file) => fs.readFileSync(file, 'utf8')), ...example];
}

const store = new MemoryStore();
test.after(() => store.engine.close());

function services(snapshot: Snapshot): PolicyServices {
  return {
    snapshot,
    backends: new Map(),
    forwarder: new Forwarder({ connections: 1, timeoutSeconds: 5 }),
    logger: pino({ enabled: false }),
    store,
    backendTimeoutSeconds: 5,
    bodyLimitBytes: 1024 * 1024,
  };
}

/** Every `{{name}}` the text uses is defined, so mutations rather than missing named values decide the outcome. */
function namedValuesOf(text: string): { name: string; value: string; secret: boolean }[] {
  return [...new Set([...text.matchAll(/\{\{([A-Za-z0-9._-]+)\}\}/g)].map((m) => m[1]!))].map((name) => ({ name, value: `value-of-${name}`, secret: false }));
}

/** Where a detail line may point: a line of the document and a column up to just after its last character. */
function assertLocatedInside(detail: string, text: string): void {
  const match = /^fuzz\/policy\.xml:(\d+):(\d+) ./s.exec(detail);
  assert.ok(match, `detail without a location in the document: ${detail.slice(0, 300)}`);
  const lines = text.split('\n');
  const line = Number(match[1]);
  const column = Number(match[2]);
  assert.ok(line >= 1 && line <= lines.length, `line ${line} outside the document (${lines.length} lines): ${detail.slice(0, 300)}`);
  assert.ok(column >= 1 && column <= lines[line - 1]!.length + 1, `column ${column} outside line ${line} (${lines[line - 1]!.length} characters): ${detail.slice(0, 300)}`);
}

/** Compiles the document as an API's policy: no details when it compiles; throws (failing the test) on anything but success or located config errors. */
function checkDocument(text: string): readonly string[] {
  const snapshot = SnapshotSchema.parse({
    namedValues: namedValuesOf(text),
    apis: [{ id: 'api', path: 'api', policy: text, operations: [{ id: 'op', method: 'GET', urlTemplate: '/' }] }],
  });
  const started = performance.now();
  try {
    compilePolicies(snapshot, services(snapshot), undefined, { 'apis[api].policy': FILE });
    return [];
  } catch (error) {
    if (!(error instanceof ApimgwError) || error.code !== 'APIMGW_E_CONFIG_INVALID') throw error;
    assert.ok(error.details.length > 0, 'APIMGW_E_CONFIG_INVALID without details');
    for (const detail of error.details) assertLocatedInside(detail, text);
    return error.details;
  } finally {
    const elapsed = performance.now() - started;
    assert.ok(elapsed < SLOW_CASE_MS, `compiling took ${Math.round(elapsed)} ms`);
  }
}

const INSERTS = ['<', '>', '"', "'", '{', '}', '@(', '@{', '&', ']]>', '<!--', '-->', '<![CDATA[', '/>', '</', '=', '{{', '}}', '&amp;', '&#0;', '&#x110000;', '&#99999999999;', '\0', '\u{1F600}', '\uD800', '\uFFFE', '\u202E', 'é', '\r\n', '$"{', '@"', '\\', ')', '(', ']', '['];
const NAMES = ['policies', 'inbound', 'backend', 'outbound', 'on-error', 'base', 'choose', 'when', 'otherwise', 'set-header', 'value', 'set-body', 'x'];

type Mutation = (text: string, random: Random) => string;

const position = (text: string, random: Random): number => random.below(text.length + 1);

/** A start inside the text and a length biased towards short ranges. */
function range(text: string, random: Random): [number, number] {
  const start = random.below(text.length + 1);
  const length = random.chance(0.8) ? random.below(16) : random.below(text.length - start + 1);
  return [start, Math.min(text.length, start + length)];
}

function insertAt(text: string, at: number, piece: string): string {
  return text.slice(0, at) + piece + text.slice(at);
}

/** Just after a random start tag's name, or -1 when there is none. */
function afterSomeTagName(text: string, random: Random): number {
  const tags = [...text.matchAll(/<([A-Za-z][\w:.-]*)/g)];
  if (tags.length === 0) return -1;
  const tag = random.pick(tags);
  return tag.index + tag[0].length;
}

const MUTATIONS: Record<string, Mutation> = {
  delete: (text, random) => {
    const [start, end] = range(text, random);
    return text.slice(0, start) + text.slice(end);
  },
  duplicate: (text, random) => {
    const [start, end] = range(text, random);
    return text.slice(0, end) + text.slice(start, end) + text.slice(end);
  },
  swap: (text, random) => {
    const [a, b] = [range(text, random), range(text, random)].sort((x, y) => x[0] - y[0]) as [[number, number], [number, number]];
    if (a[1] > b[0]) return text;
    return text.slice(0, a[0]) + text.slice(b[0], b[1]) + text.slice(a[1], b[0]) + text.slice(a[0], a[1]) + text.slice(b[1]);
  },
  insert: (text, random) => insertAt(text, position(text, random), random.pick(INSERTS)),
  unicode: (text, random) => insertAt(text, position(text, random), String.fromCharCode(random.below(0x10000))),
  longRun: (text, random) => insertAt(text, position(text, random), random.pick(['a', ' ', '<', '(', '{', '"', '&amp;', '\n', 'x=']).repeat(1000 + random.below(50_000))),
  truncate: (text, random) => text.slice(0, position(text, random)),
  unbalancedTag: (text, random) => insertAt(text, position(text, random), random.chance(0.5) ? `<${random.pick(NAMES)}>` : `</${random.pick(NAMES)}>`),
  attributeWithoutValue: (text, random) => {
    const at = afterSomeTagName(text, random);
    return at < 0 ? text : insertAt(text, at, random.pick([' flag', ' flag=', ' flag= ', ' flag="', " flag='x\"", ' =""']));
  },
  duplicateAttribute: (text, random) => {
    const attributes = [...text.matchAll(/\s[\w:-]+="[^"<]*"/g)];
    if (attributes.length === 0) return text;
    const attribute = random.pick(attributes);
    return insertAt(text, attribute.index + attribute[0].length, attribute[0]);
  },
  deepNesting: (text, random) => {
    const depth = 500 + random.below(5000);
    const name = random.pick(NAMES);
    return insertAt(text, position(text, random), `<${name}>`.repeat(depth) + (random.chance(0.7) ? `</${name}>`.repeat(depth) : ''));
  },
  deepChoose: (text, random) => {
    const depth = 50 + random.below(2000);
    const nested = '<choose><when condition="@(true)">'.repeat(depth) + '<set-header name="a"><value>@(context.RequestId)</value></set-header>' + '</when></choose>'.repeat(depth);
    return insertAt(text, position(text, random), nested);
  },
};

const MUTATION_NAMES = Object.keys(MUTATIONS);

function mutate(text: string, random: Random): { text: string; applied: string[] } {
  const applied: string[] = [];
  let mutated = text;
  const count = 1 + random.below(3);
  for (let i = 0; i < count; i++) {
    const name = random.pick(MUTATION_NAMES);
    applied.push(name);
    mutated = MUTATIONS[name]!(mutated, random);
  }
  return { text: mutated, applied };
}

/** What fuzzing found, each as the smallest document that showed it. */
const REGRESSIONS: [name: string, document: string, expected: 'compiles' | RegExp][] = [
  ['elements nested thousands deep (was a stack overflow)', '<policies>' + '<x>'.repeat(5000) + '</x>'.repeat(5000) + '</policies>', /^fuzz\/policy\.xml:1:776 elements nest more than 256 levels deep$/],
  ['choose nested to the element limit compiles', `<policies><inbound>${'<choose><when condition="@(true)">'.repeat(MAX_ELEMENT_DEPTH / 2 - 2)}<set-header name="a"><value>@(context.RequestId)</value></set-header>${'</when></choose>'.repeat(MAX_ELEMENT_DEPTH / 2 - 2)}</inbound></policies>`, 'compiles'],
  ['an expression nested 190 deep inside choose nested to the element limit compiles', `<policies><inbound>${'<choose><when condition="@(true)">'.repeat(MAX_ELEMENT_DEPTH / 2 - 2)}<set-header name="a"><value>@(${'('.repeat(150)}${'1+'.repeat(190)}1${')'.repeat(150)})</value></set-header>${'</when></choose>'.repeat(MAX_ELEMENT_DEPTH / 2 - 2)}</inbound></policies>`, 'compiles'],
  ['character reference beyond Unicode in text (was RangeError: Invalid code point)', '<policies><inbound>&#x110000;</inbound></policies>', /^fuzz\/policy\.xml:1:20 character reference &#x110000; is beyond Unicode$/],
  ['character reference beyond Unicode inside an escaped expression', '<policies><inbound><set-header name="a"><value>@(&quot;&#x110000;&quot;)</value></set-header></inbound></policies>', 'compiles'],
];

test('regressions found by fuzzing', () => {
  for (const [name, document, expected] of REGRESSIONS) {
    const details = checkDocument(document);
    if (expected === 'compiles') assert.deepEqual(details, [], name);
    else assert.match(details[0] ?? 'compiles', expected, name);
  }
});

test('the unmutated corpus compiles or fails located', () => {
  for (const text of corpus()) checkDocument(text);
});

test('mutated policy documents compile or fail with located errors', () => {
  const run = fuzzRun('policy document fuzz', 1000);
  const documents = corpus();
  const outcomes = { compiles: 0, invalid: 0 };
  const started = performance.now();
  for (let index = 0; index < run.cases; index++) {
    const random = caseRandom(run, index);
    const original = random.below(documents.length);
    const { text, applied } = mutate(documents[original]!, random);
    try {
      outcomes[checkDocument(text).length === 0 ? 'compiles' : 'invalid']++;
    } catch (error) {
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      assert.fail(`case ${index} (FUZZ_SEED=${run.seed}, document ${original}, ${applied.join(' + ')}): ${message.slice(0, 500)}`);
    }
  }
  console.log(`${run.cases} documents in ${Math.round(performance.now() - started)} ms: ${outcomes.compiles} compile, ${outcomes.invalid} invalid`);
});
