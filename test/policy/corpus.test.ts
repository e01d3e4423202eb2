import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { loadApiopsFolder } from '../../src/config/load-apiops.ts';
import { SnapshotSchema, type Snapshot } from '../../src/config/model.ts';
import { ApimgwError } from '../../src/errors.ts';
import { Forwarder } from '../../src/gateway/forward.ts';
import { compilePolicies } from '../../src/policy/compile.ts';
import type { PolicyCompileError } from '../../src/policy/diagnostics.ts';
import { parsePolicyDocument } from '../../src/policy/parse.ts';
import type { PolicyServices } from '../../src/policy/services.ts';
import { MemoryStore } from '../../src/state/memory-store.ts';
import { REPO_ROOT } from '../helpers.ts';

/**
 * Real-world policy documents against the parser and the compiler with the
 * built-in registry. Every document must parse, but one whose text was
 * mangled at the source (`"latlong="""` in "Call out to an HTTP endpoint";
 * "Loopback request" carries the same damage inside balanced brackets, so it
 * parses and its expression fails to compile). The tables say what apimgw
 * cannot run yet; when a policy lands its line changes: a failing run prints
 * the whole table as it now is, ready to paste over the old one.
 */

const SNIPPETS = path.join(REPO_ROOT, 'test/fixtures/policy-snippets');
const APIOPS = path.join(REPO_ROOT, 'test/fixtures/apiops-sample');

const COMPILES = 'compiles';

/** Snippet file → the first compile error (`line:column message`), or 'compiles'. */
const SNIPPET_RESULTS: Record<string, string> = {
  'Add correlation id to inbound request.policy.xml': 'compiles',
  'Authenticate using Managed Identity to access Service Bus.xml': 'compiles',
  'Authorize requests using external authorizer.policy.xml': 'compiles',
  'Backend OAuth2 Authentication With Cache.policy.xml': 'compiles',
  'Call out to an HTTP endpoint and cache the response.policy.xml': '40:28 expression @{… never closes: check its brackets and string quotes',
  'DELETE a from to blobStorage account.xml': 'compiles',
  'Encrypt data using expressions.policy.xml': 'compiles',
  'Extracting multiple values from xml documents.policy.xml': 'compiles',
  'Filter response content based on product name.policy.xml': 'compiles',
  'Forward gateway hostname to backend for generating correct urls in responses.policy.xml': 'compiles',
  'Generate Azure Relay Token.policy.xml': '10:34 set-backend-service: base-url must be an absolute http or https URL, got ""',
  'Get OAuth2 access token from AAD and forward it to the backend.policy.xml': 'compiles',
  'Get X-CSRF token from SAP gateway using send request.policy.xml': 'compiles',
  'List all inbound headers.policy.xml': 'compiles',
  'Look up Key Vault certificate using Managed Service Identity and call backend.policy.xml': 'compiles',
  'Loopback request for service at same API Management service.xml': "15:119 ')' expected, found '\"\"'",
  'PUT a file to blobStorage account.xml': 'compiles',
  'Perform basic authentication.policy.xml': 'compiles',
  'Query CosmosDB.policy.xml': 'compiles',
  'Random load balancer.policy.xml': 'compiles',
  'Request OAuth2 access token from SAP using AAD JWT token.xml': 'compiles',
  'Return HTTP 405 if the HTTP Method of the request is not defined.xml': 'compiles',
  'Route requests based on size.policy.xml': 'compiles',
  'Send request context information to the backend service.policy.xml': 'compiles',
  'Trigger Azure Data Factory Pipeline With Parameters.policy.xml': 'compiles',
  'Use custom error messages for jwt-validate policy with on-error handler.policy.xml': 'compiles',
  'oauth-proxy__oauth-proxy-construct-authorization-redirect-fragment.xml': 'compiles',
  'oauth-proxy__oauth-proxy-sign-in.xml': 'compiles',
  'oauth-proxy__oauth-proxy-slide-session-fragment.xml': 'compiles',
  'oauth-proxy__oauth-proxy-validate-token-fragment.xml': 'compiles',
};

/** APIOps policy file (relative to the sample) → its first compile error, or 'compiles'. */
const APIOPS_RESULTS: Record<string, string> = {
  'apis/basic-api/operations/create-item/policy.xml': 'compiles',
  'apis/basic-api/operations/get-items/policy.xml': 'compiles',
  'apis/basic-api/policy.xml': 'compiles',
  'apis/revisioned-api/operations/get-revision/policy.xml': 'compiles',
  'apis/revisioned-api;rev=2/operations/get-revision-v2/policy.xml': 'compiles',
  'apis/revisioned-api;rev=2/policy.xml': 'compiles',
  'policy fragments/policyFragment1/policy.xml': 'compiles',
  'policy fragments/policyFragment2/policy.xml': 'compiles',
  'policy.xml': 'compiles',
  'products/product1/policy.xml': 'compiles',
  'products/product2/policy.xml': 'compiles',
};

/** On a change, prints the table as it now is, ready to paste over the old one. */
function assertTable(actual: Record<string, string>, expected: Record<string, string>, name: string): void {
  try {
    assert.deepEqual(actual, expected);
  } catch (error) {
    const quote = (text: string) => (text.includes("'") ? JSON.stringify(text) : `'${text.replaceAll('\\', '\\\\')}'`);
    const rows = Object.entries(actual).map(([file, result]) => `  ${quote(file)}: ${quote(result)},`);
    console.log(`const ${name}: Record<string, string> = {\n${rows.join('\n')}\n};`);
    throw error;
  }
}

function services(snapshot: Snapshot): PolicyServices {
  return {
    snapshot,
    backends: new Map(snapshot.backends.map((backend) => [backend.id, backend])),
    forwarder: new Forwarder({ connections: 1, timeoutSeconds: 5 }),
    logger: pino({ enabled: false }),
    store: new MemoryStore(),
    backendTimeoutSeconds: 5,
    bodyLimitBytes: 1024 * 1024,
  };
}

/** Named values whose use needs a particular kind of text (a URL, C# code); the others get `value-of-<name>`. */
const NAMED_VALUES: Record<string, string> = {
  'backend-url-1': 'https://backend-1.example',
  'backend-url-2': 'https://backend-2.example',
  'alternate-host': 'https://alternate.example',
  SessionCookieExpirationInSeconds: '3600',
  CookieEncryptionKey: 'key1',
};

/** The snippets reference named values they do not define: every `{{name}}` they use gets a value. */
function namedValuesOf(text: string): { name: string; value: string; secret: boolean }[] {
  return [...new Set([...text.matchAll(/\{\{([A-Za-z0-9._-]+)\}\}/g)].map((m) => m[1]!))]
    .map((name) => ({ name, value: NAMED_VALUES[name] ?? `value-of-${name}`, secret: false }));
}

/** Compile errors as `line:column message`, first first. */
function compileErrors(snapshot: Snapshot, sources?: Record<string, string>): string[] {
  try {
    compilePolicies(snapshot, services(snapshot), undefined, sources);
    return [];
  } catch (error) {
    if (!(error instanceof ApimgwError)) throw error;
    return [...error.details];
  }
}

const snippetFiles = fs.readdirSync(SNIPPETS).filter((name) => name.endsWith('.xml')).sort();
const isFragment = (text: string) => /^\s*(<!--[\s\S]*?-->\s*)*<fragment[\s>]/.test(text);
/** The fragment snippets, by the id the other oauth-proxy snippets include them with. */
const fragmentSnippets = new Map(snippetFiles
  .map((file) => [file, fs.readFileSync(path.join(SNIPPETS, file), 'utf8')] as const)
  .filter(([, text]) => isFragment(text))
  .map(([file, text]) => [file.replace(/^oauth-proxy__/, '').replace(/\.xml$/, ''), { file, text }]));

/** A snippet as the policy of an API, the fragment snippets defined (a fragment snippet is included in inbound). */
function snippetSnapshot(file: string, text: string): { snapshot: Snapshot; sources: Record<string, string> } {
  const ownFragment = isFragment(text) ? [...fragmentSnippets].find(([, fragment]) => fragment.file === file)![0] : undefined;
  const sources: Record<string, string> = { 'apis[api].policy': file };
  for (const [id, fragment] of fragmentSnippets) sources[`policyFragments[${id}].policy`] = fragment.file;
  const snapshot = SnapshotSchema.parse({
    namedValues: namedValuesOf([text, ...[...fragmentSnippets.values()].map((f) => f.text)].join('\n')),
    policyFragments: [...fragmentSnippets].map(([id, fragment]) => ({ id, policy: fragment.text })),
    apis: [{
      id: 'api', path: 'api',
      policy: ownFragment ? `<policies><inbound><include-fragment fragment-id="${ownFragment}"/></inbound></policies>` : text,
      operations: [{ id: 'op', method: 'GET', urlTemplate: '/' }],
    }],
  });
  return { snapshot, sources };
}

test('the snippet table lists every snippet', () => {
  assert.equal(snippetFiles.length, 30);
  assert.deepEqual(Object.keys(SNIPPET_RESULTS).sort(), snippetFiles);
});

test('every snippet parses (but the one corrupt at the source)', () => {
  const failures: string[] = [];
  for (const file of snippetFiles) {
    const text = fs.readFileSync(path.join(SNIPPETS, file), 'utf8');
    const errors: PolicyCompileError[] = [];
    const root = parsePolicyDocument(text, file, new Map(namedValuesOf(text).map((n) => [n.name, n])), errors);
    if (!root || errors.length) failures.push(...errors.map(String));
  }
  assert.deepEqual(failures, [
  'Call out to an HTTP endpoint and cache the response.policy.xml:40:28 expression @{… never closes: check its brackets and string quotes',
  ]);
});

test('snippets compile or fail with the listed first error', (t) => {
  const actual: Record<string, string> = {};
  for (const file of snippetFiles) {
    const text = fs.readFileSync(path.join(SNIPPETS, file), 'utf8');
    const { snapshot, sources } = snippetSnapshot(file, text);
    // Errors of other fragment snippets (unused here) are theirs: each file reports only its own.
    const first = compileErrors(snapshot, sources).find((detail) => detail.startsWith(`${file}:`));
    actual[file] = first === undefined ? COMPILES : first.slice(file.length + 1);
  }
  assertTable(actual, SNIPPET_RESULTS, 'SNIPPET_RESULTS');
  const compiled = Object.values(actual).filter((result) => result === COMPILES).length;
  t.diagnostic(`corpus: ${compiled}/${snippetFiles.length} policy snippets compile (${Math.round((100 * compiled) / snippetFiles.length)} %); the rest are in SNIPPET_RESULTS with their first error`);
  assert.ok(compiled / snippetFiles.length >= 0.9, 'at least 90 % of the corpus compiles');
});

function apiopsPolicyFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name === 'policy.xml')
    .map((entry) => path.relative(APIOPS, path.join(entry.parentPath, entry.name)))
    .sort();
}

test('APIOps sample: every policy.xml and fragment parses; compile results per file', () => {
  const files = apiopsPolicyFiles(APIOPS);
  assert.equal(files.length, 11);
  for (const file of files) {
    const errors: PolicyCompileError[] = [];
    assert.ok(parsePolicyDocument(fs.readFileSync(path.join(APIOPS, file), 'utf8'), file, new Map(), errors), file);
    assert.deepEqual(errors.filter((error) => !error.message.startsWith('unknown named value')).map(String), [], file);
  }
  const config = loadApiopsFolder(APIOPS);
  const details = compileErrors(config.snapshot, config.policySources);
  const actual: Record<string, string> = Object.fromEntries(files.map((file) => [file, COMPILES]));
  for (const detail of details) {
    const file = files.find((candidate) => detail.startsWith(`${path.join(APIOPS, candidate)}:`));
    assert.ok(file, `error outside the policy files: ${detail}`);
    if (actual[file] === COMPILES) actual[file] = detail.slice(path.join(APIOPS, file).length + 1);
  }
  assertTable(actual, APIOPS_RESULTS, 'APIOPS_RESULTS');
});
