import assert from 'node:assert/strict';
import { after, before, describe, it, test } from 'node:test';
import { jsonToXmlPolicy } from '../../../src/policy/policies/json-to-xml/index.ts';
import { encodeName } from '../../../src/policy/policies/json-to-xml/convert.ts';
import { xmlToJsonPolicy } from '../../../src/policy/policies/xml-to-json/index.ts';
import { inbound, startBackend, startListener, type Backend, type EchoAnswer, type Listener } from './listener.ts';
import { compileSection, requestContext, run } from './support.ts';

const SOAP = '<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="urn:x"><s:Body><a id="1">t</a><b>1</b><b>2</b><c/><d><![CDATA[<raw>]]></d></s:Body></s:Envelope>';

async function convertResponse(policy: string, body: string, contentType: string, accept?: string) {
  const context = requestContext({ headers: accept === undefined ? {} : { Accept: accept } });
  context.response.reset(200, 'OK', body, contentType);
  await run(compileSection(policy, [jsonToXmlPolicy, xmlToJsonPolicy], { section: 'outbound' }), context);
  return { body: context.response.body!.content.toString(), contentType: context.response.headers.joined('content-type') };
}

test('xml-to-json direct follows SerializeXmlNode: declaration, @attributes, #text, arrays, null, #cdata-section', async () => {
  const out = await convertResponse('<xml-to-json kind="direct" apply="always" consider-accept-header="false" />', SOAP, 'text/xml');
  assert.equal(out.contentType, 'application/json');
  assert.deepEqual(JSON.parse(out.body), {
    '?xml': { '@version': '1.0', '@encoding': 'utf-8' },
    's:Envelope': { '@xmlns:s': 'urn:x', 's:Body': { a: { '@id': '1', '#text': 't' }, b: ['1', '2'], c: null, d: { '#cdata-section': '<raw>' } } },
  });
});

test('xml-to-json javascript-friendly drops declaration, namespaces and @; always-array-child-elements', async () => {
  const friendly = await convertResponse('<xml-to-json kind="javascript-friendly" apply="always" consider-accept-header="false" />', SOAP, 'text/xml');
  assert.deepEqual(JSON.parse(friendly.body), { Envelope: { Body: { a: { id: '1', '#text': 't' }, b: ['1', '2'], c: null, d: { '#cdata-section': '<raw>' } } } });
  const arrays = await convertResponse('<xml-to-json kind="direct" apply="always" consider-accept-header="false" always-array-child-elements="true" />', '<r><a>1</a></r>', 'application/xml');
  assert.deepEqual(JSON.parse(arrays.body), { r: { a: ['1'] } });
});

test('xml-to-json apply and consider-accept-header decide whether to convert', async () => {
  const skipped = await convertResponse('<xml-to-json kind="direct" apply="content-type-xml" />', '<r/>', 'text/plain');
  assert.equal(skipped.body, '<r/>');
  const notAccepted = await convertResponse('<xml-to-json kind="direct" apply="always" />', '<r/>', 'text/xml', 'application/xml');
  assert.equal(notAccepted.body, '<r/>');
  const accepted = await convertResponse('<xml-to-json kind="direct" apply="always" />', '<r>1</r>', 'text/xml', 'application/json, text/plain');
  assert.equal(accepted.body, '{"r":"1"}');
  await assert.rejects(convertResponse('<xml-to-json kind="direct" apply="always" consider-accept-header="false" />', '<r><a></r>', 'text/xml'), /xml-to-json: the body is not well-formed XML/);
});

test('json-to-xml follows DeserializeXmlNode: one root property, arrays repeat, @attributes, #text, null empty, Document wrapper', async () => {
  const single = await convertResponse('<json-to-xml apply="always" consider-accept-header="false" />', JSON.stringify({ order: { '@id': '7', item: [{ sku: 'a' }, { sku: 'b' }], note: null, paid: true, total: 12.5, 'first name': 'x<y', first_name: 'z' } }), 'application/json');
  assert.equal(single.contentType, 'application/xml');
  assert.equal(single.body, '<order id="7"><item><sku>a</sku></item><item><sku>b</sku></item><note /><paid>true</paid><total>12.5</total><first_x0020_name>x&lt;y</first_x0020_name><first_name>z</first_name></order>');
  const multi = await convertResponse('<json-to-xml apply="content-type-json" consider-accept-header="false" />', '{"a":1,"b":[1,2]}', 'application/json; charset=utf-8');
  assert.equal(multi.body, '<Document><a>1</a><b>1</b><b>2</b></Document>');
  const array = await convertResponse('<json-to-xml apply="always" consider-accept-header="false" />', '[1,2]', 'application/json');
  assert.equal(array.body, '<Document><Item>1</Item><Item>2</Item></Document>');
});

test('json-to-xml attribute-block-name, namespace-prefix and Accept', async () => {
  const out = await convertResponse('<json-to-xml apply="always" consider-accept-header="false" attribute-block-name="#attrs" namespace-prefix="xmlns" namespace-separator="_" />', JSON.stringify({ r: { '#attrs': { lang: 'en' }, 'xmlns:p': 'urn:p', p_item: 'v' } }), 'application/json');
  assert.equal(out.body, '<r lang="en" xmlns:p="urn:p"><p:item>v</p:item></r>');
  const skipped = await convertResponse('<json-to-xml apply="always" />', '{"a":1}', 'application/json', 'application/json');
  assert.equal(skipped.body, '{"a":1}');
  const accepted = await convertResponse('<json-to-xml apply="always" />', '{"a":1}', 'application/json', 'text/xml');
  assert.equal(accepted.body, '<a>1</a>');
});

test('encodeName matches XmlConvert.EncodeName for common cases', () => {
  assert.equal(encodeName('1abc'), '_x0031_abc');
  assert.equal(encodeName('a b'), 'a_x0020_b');
  assert.equal(encodeName('ok-name.1'), 'ok-name.1');
});

test('conversion policies: compile errors', () => {
  assert.throws(() => compileSection('<xml-to-json apply="always" />', [xmlToJsonPolicy]), /xml-to-json: attribute "kind" is required/);
  assert.throws(() => compileSection('<xml-to-json kind="friendly" apply="always" />', [xmlToJsonPolicy]), /xml-to-json: kind must be one of javascript-friendly, direct/);
  assert.throws(() => compileSection('<json-to-xml apply="sometimes" />', [jsonToXmlPolicy]), /json-to-xml: apply must be one of always, content-type-json/);
  assert.throws(() => compileSection('<json-to-xml apply="always" />', [jsonToXmlPolicy], { section: 'backend' }), /not allowed in backend/);
});

describe('json-to-xml and xml-to-json through the listener', () => {
  let echo: Backend;
  let xmlBackend: Backend;
  let gateway: Listener;
  before(async () => {
    echo = await startBackend();
    xmlBackend = await startBackend((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' });
      res.end('<order id="7"><item>a</item><item>b</item></order>');
    });
    gateway = await startListener({
      apis: [
        { path: 'to-xml', serviceUrl: echo.url, policy: inbound('<json-to-xml apply="content-type-json" consider-accept-header="false" />') },
        { path: 'to-json', serviceUrl: xmlBackend.url, policy: '<policies><outbound><xml-to-json kind="direct" apply="content-type-xml" consider-accept-header="true" /></outbound></policies>' },
      ],
    });
  });
  after(async () => {
    await gateway.close();
    await echo.close();
    await xmlBackend.close();
  });

  it('json-to-xml converts the JSON request body the backend receives', async () => {
    const answer = await (await fetch(`${gateway.url}/to-xml/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"order":{"@id":"7","item":["a","b"]}}' })).json() as EchoAnswer;
    assert.equal(answer.body, '<order id="7"><item>a</item><item>b</item></order>');
    assert.equal(answer.headers['content-type'], 'application/xml');
    assert.equal(answer.headers['content-length'], String(answer.body.length));
    const text = await (await fetch(`${gateway.url}/to-xml/x`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{"a":1}' })).json() as EchoAnswer;
    assert.equal(text.body, '{"a":1}', 'apply="content-type-json" leaves other bodies alone');
  });

  it('xml-to-json converts the backend XML the client receives when Accept asks for JSON', async () => {
    const response = await fetch(`${gateway.url}/to-json/x`, { headers: { Accept: 'application/json' } });
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), { order: { '@id': '7', item: ['a', 'b'] } });
    const xml = await fetch(`${gateway.url}/to-json/x`, { headers: { Accept: 'application/xml' } });
    assert.equal(await xml.text(), '<order id="7"><item>a</item><item>b</item></order>');
  });
});
