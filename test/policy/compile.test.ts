import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { SnapshotSchema, type Snapshot } from '../../src/config/model.ts';
import { ApimgwError } from '../../src/errors.ts';
import { HostDictionary } from '../../src/policy/context/dictionary.ts';
import { HeaderDictionary, RequestMessage, ResponseMessage } from '../../src/policy/context/message.ts';
import { RequestContext } from '../../src/policy/context/request-context.ts';
import { MessageUrl } from '../../src/policy/context/url.ts';
import { deploymentView } from '../../src/policy/context/views.ts';
import { compilePolicies, type PolicyPlan } from '../../src/policy/compile.ts';
import { choose } from '../../src/policy/policies/choose/index.ts';
import { runSteps } from '../../src/policy/pipeline.ts';
import { PolicyRegistry } from '../../src/policy/registry.ts';
import type { PolicyServices } from '../../src/policy/services.ts';
import type { PolicyDefinition, PolicyStep } from '../../src/policy/types.ts';
import { Forwarder } from '../../src/gateway/forward.ts';
import { MemoryStore } from '../../src/state/memory-store.ts';

/** `<mark name="x"/>`: appends its name to the `marks` variable, so plans can be read as lists of names. */
const mark: PolicyDefinition = {
  name: 'mark',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'count', 'flag', 'mode'],
  compile(element, compiler) {
    const name = compiler.string(element, 'name');
    compiler.integer(element, 'count', 1);
    compiler.boolean(element, 'flag', false);
    compiler.choice(element, 'mode', ['fast', 'slow'], 'fast');
    return (context) => {
      const marks = (context.variables.get('marks') as string[] | undefined) ?? [];
      context.variables.set('marks', [...marks, name(context)]);
    };
  },
};
/** A stand-in for forward-request with the real one's name and section, so plans can be checked without a backend. */
const forward: PolicyDefinition = { name: 'forward-request', sections: ['backend'], attributes: ['timeout'], compile: () => () => undefined };
const inboundOnly: PolicyDefinition = { name: 'set-backend-service', sections: ['inbound', 'backend'], attributes: ['base-url'], compile: () => () => undefined };

const registry = new PolicyRegistry([mark, forward, inboundOnly, choose]);

function services(snapshot: Snapshot): PolicyServices {
  return {
    snapshot,
    backends: new Map(),
    forwarder: new Forwarder({ connections: 1, timeoutSeconds: 5 }),
    logger: pino({ enabled: false }),
    store: new MemoryStore(),
    backendTimeoutSeconds: 5,
    bodyLimitBytes: 1024,
  };
}

function snapshotOf(data: Record<string, unknown>): Snapshot {
  return SnapshotSchema.parse(data);
}

function compile(data: Record<string, unknown>, sources?: Record<string, string>) {
  const snapshot = snapshotOf(data);
  return compilePolicies(snapshot, services(snapshot), registry, sources);
}

function errorsOf(data: Record<string, unknown>, sources?: Record<string, string>): string[] {
  try {
    compile(data, sources);
  } catch (error) {
    assert.ok(error instanceof ApimgwError);
    assert.equal(error.code, 'APIMGW_E_CONFIG_INVALID');
    return [...error.details];
  }
  assert.fail('compiled without errors');
}

const names = (steps: readonly PolicyStep[]) => steps.map((step) => step.origin.policy === 'mark' ? `${step.origin.scope}:${step.origin.path}` : step.origin.policy);

const doc = (sections: Record<string, string>) => `<policies>${Object.entries(sections).map(([section, body]) => `<${section}>${body}</${section}>`).join('')}</policies>`;

function single(policy: { global?: string; product?: string; api?: string; operation?: string }, productId?: string): PolicyPlan {
  const policies = compile({
    policy: policy.global,
    apis: [{ id: 'orders', path: 'orders', policy: policy.api, operations: [{ id: 'get', method: 'GET', urlTemplate: '/', policy: policy.operation }] }],
    products: [{ id: 'starter', apis: ['orders'], policy: policy.product }],
  });
  return policies.plan('orders', 'get', productId);
}

test('no policies anywhere: the default global forward-request, a passthrough plan', () => {
  const plan = single({});
  assert.deepEqual(names(plan.backend), ['forward-request']);
  assert.deepEqual([plan.inbound, plan.outbound, plan.onError].map((s) => s.length), [0, 0, 0]);
  assert.equal(plan.passthrough, true);
  assert.equal(plan.backend[0]!.origin.scope, 'global');
});

test('<base/> at start, middle and end of a section inlines the parent there', () => {
  const plan = single({
    global: doc({ inbound: '<mark name="g"/>', backend: '<forward-request/>' }),
    product: doc({ inbound: '<mark name="p1"/><base/><mark name="p2"/>' }),
    api: doc({ inbound: '<base/><mark name="a"/>' }),
    operation: doc({ inbound: '<mark name="o1"/><mark name="o2"/><base/>' }),
  }, 'starter');
  assert.deepEqual(names(plan.inbound), ['operation:mark[1]', 'operation:mark[2]', 'product:mark[1]', 'global:mark[1]', 'product:mark[2]', 'api:mark[1]']);
  assert.deepEqual(names(plan.backend), ['forward-request']);
  assert.equal(plan.passthrough, false);
});

test('keyless calls skip the product scope; the product plan has it', () => {
  const policies = {
    global: doc({ inbound: '<mark name="g"/>', backend: '<forward-request/>' }),
    product: doc({ inbound: '<base/><mark name="p"/>' }),
    api: doc({ inbound: '<base/><mark name="a"/>' }),
  };
  assert.deepEqual(names(single(policies).inbound), ['global:mark[1]', 'api:mark[1]']);
  assert.deepEqual(names(single(policies, 'starter').inbound), ['global:mark[1]', 'product:mark[1]', 'api:mark[1]']);
});

test('no <base/> drops the parent; a missing section or document inherits everything', () => {
  const plan = single({
    global: doc({ inbound: '<mark name="g"/>', backend: '<forward-request/>', outbound: '<mark name="g"/>', 'on-error': '<mark name="g"/>' }),
    api: doc({ inbound: '<mark name="a"/>', outbound: '<base/>' }),
  });
  assert.deepEqual(names(plan.inbound), ['api:mark[1]']);
  assert.deepEqual(names(plan.backend), ['forward-request']);
  assert.deepEqual(names(plan.outbound), ['global:mark[1]']);
  assert.deepEqual(names(plan.onError), ['global:mark[1]']);
});

test('a global document without a backend section keeps the default forward-request; <base/> there adds nothing', () => {
  const plan = single({ global: doc({ inbound: '<base/><mark name="g"/>' }) });
  assert.deepEqual(names(plan.inbound), ['global:mark[1]']);
  assert.deepEqual(names(plan.backend), ['forward-request']);
  const empty = single({ global: doc({ backend: '' }) });
  assert.deepEqual(empty.backend, []);
  assert.equal(empty.passthrough, false);
});

test('each scope document is compiled once and shared by every plan', () => {
  let compiled = 0;
  const counting: PolicyDefinition = { name: 'mark', sections: ['inbound'], compile: () => { compiled++; return () => undefined; } };
  const snapshot = snapshotOf({
    policy: doc({ inbound: '<mark/>', backend: '<forward-request/>' }),
    apis: [{ id: 'a', path: 'a', policy: doc({ inbound: '<base/><mark/>' }), operations: [{ id: 'x', method: 'GET', urlTemplate: '/x' }, { id: 'y', method: 'GET', urlTemplate: '/y' }] }],
    products: [{ id: 'p', apis: ['a'], policy: doc({ inbound: '<base/><mark/>' }) }, { id: 'q', apis: ['a'] }],
  });
  const policies = compilePolicies(snapshot, services(snapshot), new PolicyRegistry([counting, forward]));
  assert.equal(compiled, 3);
  assert.equal(policies.plan('a', 'x', 'p').inbound[0], policies.plan('a', 'y', undefined).inbound[0]);
  assert.equal(policies.plan('a', 'x', 'q').inbound.length, 2);
  assert.throws(() => policies.plan('a', 'x', 'nope'), /no policy plan/);
});

test('fragments are inlined where included, with paths through include-fragment', () => {
  const policies = compile({
    policyFragments: [{ id: 'common', policy: '<fragment><mark name="f1"/><choose><when condition="true"><mark name="f2"/></when></choose></fragment>' }],
    apis: [{ id: 'orders', path: 'orders', policy: doc({ inbound: '<mark name="a"/><include-fragment fragment-id="common"/><base/>', outbound: '<include-fragment fragment-id="common"/>' }), operations: [{ id: 'get', method: 'GET', urlTemplate: '/' }] }],
  });
  const { inbound, outbound } = policies.plan('orders', 'get', undefined);
  assert.deepEqual(names(inbound), ['api:mark[1]', 'api:include-fragment[1]/mark[1]', 'choose']);
  assert.equal(inbound[2]!.origin.path, 'include-fragment[1]/choose[1]');
  assert.equal(outbound[0]!.origin.section, 'outbound');
});

test('StepOrigin: policy, scope, section, path, id and location', () => {
  const policies = compile({
    apis: [{ id: 'orders', path: 'orders', operations: [{ id: 'get', method: 'GET', urlTemplate: '/', policy: '<policies>\n  <inbound>\n    <mark name="a"/>\n    <mark name="b" id="second"/>\n  </inbound>\n</policies>' }] }],
  }, { 'apis[orders].operations[get].policy': 'apis/orders/operations/get/policy.xml' });
  const step = policies.plan('orders', 'get', undefined).inbound[1]!;
  assert.deepEqual(step.origin, {
    policy: 'mark', scope: 'operation', section: 'inbound', path: 'mark[2]', id: 'second',
    location: { file: 'apis/orders/operations/get/policy.xml', line: 4, column: 5 },
  });
});

function requestContext(): RequestContext {
  const url = MessageUrl.parse('http://backend.test/');
  return new RequestContext({
    request: new RequestMessage({ method: 'GET', url, originalUrl: url.clone(), headers: new HeaderDictionary(), body: null, ipAddress: '127.0.0.1', matchedParameters: new HostDictionary<string>(false) }),
    response: new ResponseMessage(),
    route: { api: {} as never, operation: {} as never, product: null, subscription: null, deployment: deploymentView('gw', 'local', 'apimgw') },
    requestId: 'r',
    clientGone: () => {},
  });
}

test('choose: first true constant when wins, otherwise when none; nested paths', async () => {
  const policies = compile({
    apis: [{ id: 'orders', path: 'orders', operations: [{ id: 'get', method: 'GET', urlTemplate: '/', policy: doc({
      inbound: '<choose><when condition="false"><mark name="w1"/></when><when condition="True"><mark name="w2"/><mark name="w2b"/></when><when condition="true"><mark name="w3"/></when></choose>'
        + '<choose><when condition="false"><mark name="no"/></when><otherwise><mark name="other"/></otherwise></choose>',
    }) }] }],
  });
  const { inbound } = policies.plan('orders', 'get', undefined);
  assert.deepEqual(names(inbound), ['choose', 'choose']);
  const context = requestContext();
  await runSteps(inbound, context);
  assert.deepEqual(context.variables.get('marks'), ['w2', 'w2b', 'other']);
});

test('choose: nested steps carry the when path', () => {
  const captured: string[] = [];
  const probe: PolicyDefinition = { name: 'mark', sections: ['inbound'], compile: (_element, compiler) => { captured.push(compiler.origin.path); return () => undefined; } };
  const snapshot = snapshotOf({ apis: [{ id: 'a', path: 'a', policy: doc({ inbound: '<mark/><choose><when condition="true"><mark/></when><when condition="false"><choose><when condition="true"><mark/><mark/></when></choose></when><otherwise><mark/></otherwise></choose>' }), operations: [{ id: 'x', method: 'GET', urlTemplate: '/' }] }] });
  compilePolicies(snapshot, services(snapshot), new PolicyRegistry([probe, forward, choose]));
  assert.deepEqual(captured, ['mark[1]', 'choose[1]/when[1]/mark[1]', 'choose[1]/when[2]/choose[1]/when[1]/mark[1]', 'choose[1]/when[2]/choose[1]/when[1]/mark[2]', 'choose[1]/otherwise[1]/mark[1]']);
});

test('every located error of a snapshot, each rule', () => {
  const api = (id: string, policy: string, operationPolicy?: string) => ({ id, path: id, policy, operations: [{ id: 'get', method: 'GET', urlTemplate: '/', policy: operationPolicy }] });
  const errors = errorsOf({
    policy: '<policies>\n<inbound>\n<mark name="g" colour="red"/>\n</inbound>\n<backend><forward-request/></backend>\n</policies>',
    policyFragments: [
      { id: 'bad', policy: '<fragment>\n<inbound/>\n<base/>\n<include-fragment fragment-id="ok"/>\n</fragment>' },
      { id: 'ok', policy: '<fragment><mark name="f"/></fragment>' },
      { id: 'broken', policy: '<fragment><mark name="f"></fragment>' },
      { id: 'unused', policy: '<fragment>\n<mark name="u"/>\n<jsonp/>\n</fragment>' },
    ],
    apis: [
      api('a', '<policies>\n<inbound>\n<set-backend-servce base-url="x"/>\n<xsl-transform/>\n<include-fragment fragment-id="okk"/>\n</inbound>\n<outbound>\n<set-backend-service base-url="x"/>\n</outbound>\n</policies>'),
      api('b', '<policies>\n<inbound>\n<base/>\n<base/>\n<choose><when condition="maybe"/></choose>\n<choose/>\n<choose><when condition="true"><base/></when></choose>\n</inbound>\n<inbund/>\n</policies>',
        '<policies>\n<inbound>\n<mark name="a" count="x" flag="yes" mode="quick"/>\n<mark/>\n</inbound>\n</policies>'),
      api('c', '<policies><inbound><choose><when condition="true"><forward-request/></when></choose><when/></inbound></policies>', '<fragment/>'),
    ],
  }, { 'apis[a].policy': 'apis/a/policy.xml' });
  assert.deepEqual(errors, [
    'policyFragments[bad].policy:2:1 a fragment cannot contain the section <inbound>: it holds policies only',
    'policyFragments[bad].policy:3:1 a fragment cannot contain <base/>',
    'policyFragments[bad].policy:4:1 a fragment cannot include another fragment',
    'policyFragments[broken].policy:1:26 </fragment> does not close <mark> opened at 1:11',
    'policy:3:24 mark: unknown attribute "colour"; allowed: name, count, flag, mode',
    'apis/a/policy.xml:3:1 unknown policy "set-backend-servce"; did you mean "set-backend-service"?',
    'apis/a/policy.xml:4:1 policy "xsl-transform" is not supported by apimgw',
    'apis/a/policy.xml:5:32 unknown policy fragment "okk"; did you mean "ok"?',
    'apis/a/policy.xml:8:1 set-backend-service is not allowed in outbound (only in inbound, backend)',
    'apis[b].policy:4:1 <base/> appears twice in <inbound> (first at apis[b].policy:3:1)',
    'apis[b].policy:5:26 when: condition must be true or false, found "maybe"',
    'apis[b].policy:6:1 choose: at least one <when condition="…"> is required',
    'apis[b].policy:7:32 <base/> may only appear directly in a section',
    'apis[b].policy:9:1 unknown section <inbund>; did you mean <inbound>?; a policy document holds <inbound>, <backend>, <outbound> and <on-error>',
    'apis[b].operations[get].policy:3:23 mark: count must be an integer, found "x"',
    'apis[b].operations[get].policy:4:1 mark: attribute "name" is required',
    'apis[c].policy:1:51 forward-request is not allowed in inbound (only in backend)',
    'apis[c].policy:1:85 <when> may only appear inside <choose>',
    "apis[c].operations[get].policy:1:1 a policy fragment (<fragment>) cannot be a scope's policy document; expected <policies>",
    'policyFragments[unused].policy:3:1 policy "jsonp" is not supported by apimgw',
  ]);
});

test('constant attribute checks: boolean, choice, literal', () => {
  const strict: PolicyDefinition = {
    name: 'mark',
    sections: ['inbound'],
    compile(element, compiler) {
      compiler.choice(element, 'mode', ['fast', 'slow'], 'fast');
      compiler.boolean(element, 'flag', false);
      compiler.optionalLiteral(element, 'name');
      return () => undefined;
    },
  };
  const snapshot = snapshotOf({ apis: [{ id: 'a', path: 'a', policy: doc({ inbound: '<mark mode="fsat"/><mark flag="yes"/><mark name="@(1)"/><mark mode="slow" flag="TRUE" name="n"/>' }), operations: [{ id: 'x', method: 'GET', urlTemplate: '/' }] }] });
  assert.throws(() => compilePolicies(snapshot, services(snapshot), new PolicyRegistry([strict, forward])), (error: ApimgwError) => {
    assert.deepEqual(error.details, [
      'apis[a].policy:1:32 mark: mode must be one of fast, slow; found "fsat" (did you mean "fast"?)',
      'apis[a].policy:1:51 mark: flag must be true or false, found "yes"',
      'apis[a].policy:1:69 mark: name cannot be a policy expression',
    ]);
    return true;
  });
});

test('expressions: compiled once, evaluated per request into string, integer and boolean; errors located in the document', async () => {
  const probe: PolicyDefinition = {
    name: 'probe',
    sections: ['inbound'],
    attributes: ['text', 'number', 'flag'],
    compile(element, compiler) {
      const text = compiler.string(element, 'text');
      const number = compiler.integer(element, 'number', 0);
      const flag = compiler.boolean(element, 'flag', false);
      const body = compiler.text(element);
      return (context) => {
        context.variables.set('probe', [text(context), number(context), flag(context), body?.(context)]);
      };
    },
  };
  const build = (inbound: string) => {
    const snapshot = snapshotOf({ apis: [{ id: 'a', path: 'a', policy: doc({ inbound }), operations: [{ id: 'x', method: 'GET', urlTemplate: '/' }] }] });
    return compilePolicies(snapshot, services(snapshot), new PolicyRegistry([probe, forward, choose]));
  };
  const policies = build('<choose><when condition=" @(context.Request.Method == "GET") "><probe text="@(context.Request.Method + "<>")" number="@(40 + 2)" flag="@(1 &lt; 2)">\n  @(true)\n</probe></when></choose>');
  const context = requestContext();
  await runSteps(policies.plan('a', 'x', undefined).inbound, context);
  assert.deepEqual(context.variables.get('probe'), ['GET<>', 42, true, 'True']);

  assert.throws(() => build('<probe text="x"\n   number="@(1 +)"/>'), (error: ApimgwError) => {
    assert.equal(error.details.length, 1);
    assert.match(error.details[0]!, /^apis\[a\]\.policy:2:17 expression expected/);
    return true;
  });
});

test('a step that reads the body through an expression says so', () => {
  const snapshot = snapshotOf({ apis: [{ id: 'a', path: 'a', policy: doc({ inbound: '<mark name="@(context.Request.Body.As&lt;string&gt;(preserveContent: true))"/><mark name="plain"/>' }), operations: [{ id: 'x', method: 'GET', urlTemplate: '/' }] }] });
  const { inbound } = compilePolicies(snapshot, services(snapshot), registry).plan('a', 'x', undefined);
  assert.deepEqual(inbound.map((step) => step.usesBody), [true, false]);
});
