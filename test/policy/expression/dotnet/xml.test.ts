import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOTNET_EXTENSIONS, DOTNET_TYPES } from '../../../../src/policy/expression/dotnet/index.ts';
import { XAttribute, XComment, XDocument, XElement, XName, XNamespace, XText, parseXml } from '../../../../src/policy/expression/dotnet/xml/index.ts';

const extension = (name: string, target: unknown, ...args: unknown[]): unknown => DOTNET_EXTENSIONS[name]!.find((m) => m.appliesTo(target, args))!.invoke(target, [], args);

describe('XDocument / XElement parsing and ToString', () => {
  it('indents like .NET, keeps mixed content inline and empty forms distinct', () => {
    const doc = XDocument.Parse('<?xml version="1.0" encoding="utf-8"?>\n<root a="1" b="x&amp;y"><child>text</child><empty/><open></open><mixed>one <b>two</b> three</mixed><!-- note --></root>');
    assert.equal(doc.Declaration!.ToString(), '<?xml version="1.0" encoding="utf-8"?>');
    assert.equal(
      doc.ToString(),
      '<root a="1" b="x&amp;y">\n  <child>text</child>\n  <empty />\n  <open></open>\n  <mixed>one <b>two</b> three</mixed>\n  <!-- note -->\n</root>',
    );
    assert.equal(doc.Root!.ToString('DisableFormatting'), '<root a="1" b="x&amp;y"><child>text</child><empty /><open></open><mixed>one <b>two</b> three</mixed><!-- note --></root>');
    assert.equal(doc.Root!.Element('mixed')!.Value, 'one two three');
  });

  it('keeps namespaces, prefixes and attribute order', () => {
    const el = XElement.Parse('<s:Envelope xmlns:s="urn:soap" xmlns="urn:default" z="1" a="2"><s:Body><item id="7">x</item></s:Body></s:Envelope>');
    const soap = XNamespace.Get('urn:soap');
    assert.equal(el.Name, XNamespace.op_Addition(soap, 'Envelope'));
    assert.equal(el.Name.LocalName, 'Envelope');
    assert.equal(el.Name.NamespaceName, 'urn:soap');
    const item = el.Descendants(XName.Get('{urn:default}item'))[0]!;
    assert.equal(item.Attribute('id')!.Value, '7');
    assert.deepEqual(el.Attributes().map((a) => a.ToString()), ['xmlns:s="urn:soap"', 'xmlns="urn:default"', 'z="1"', 'a="2"']);
    assert.equal(el.ToString(), '<s:Envelope xmlns:s="urn:soap" xmlns="urn:default" z="1" a="2">\n  <s:Body>\n    <item id="7">x</item>\n  </s:Body>\n</s:Envelope>');
    assert.equal(item.ToString(), '<item id="7" xmlns="urn:default">x</item>');
  });

  it('finds values as the corpus does: Descendants().Where(r => r.Name.LocalName == …).First().Value', () => {
    const doc = XDocument.Parse('<a:r xmlns:a="urn:a"><a:conditionValue>true</a:conditionValue><a:value1>v1</a:value1></a:r>');
    const found = doc.Descendants().filter((r) => r.Name.LocalName === 'conditionValue')[0]!;
    assert.equal(found.Value, 'true');
    assert.equal(found.op_Explicit('bool'), true);
  });

  it('reports malformed XML as XmlException with line and position', () => {
    assert.throws(() => XDocument.Parse('<a><b></a>'), (e: Error & { type?: string }) => e.type === 'XmlException' && /The 'b' start tag on line 1 position 5 does not match the end tag of 'a'. Line 1, position 9./.test(e.message));
    assert.throws(() => XDocument.Parse(''), /Root element is missing/);
    assert.throws(() => XDocument.Parse('<p:a/>'), /'p' is an undeclared prefix/);
  });

  it('drops whitespace-only text unless asked to preserve it', () => {
    assert.equal(XElement.Parse('<a>\n  <b/>\n</a>').Nodes().length, 1);
    assert.equal(XElement.Parse('<a>\n  <b/>\n</a>', 'PreserveWhitespace').Nodes().length, 3);
  });
});

describe('building and editing', () => {
  it('constructs elements with attributes and content, merges text and copies parented nodes', () => {
    const child = new XElement('child', 1);
    const root = new XElement('root', new XAttribute('id', 5), 'a', 'b', child, [new XElement('x', true)], null);
    const copy = new XElement('other', child);
    assert.equal(root.ToString(), '<root id="5">ab<child>1</child><x>true</x></root>');
    assert.notEqual(copy.Element('child'), child);
    assert.equal(new XElement('e').ToString(), '<e />');
    assert.equal(new XElement(XNamespace.Get('urn:x').GetName('e'), new XAttribute('k', 'v')).ToString(), '<e k="v" xmlns="urn:x" />');
  });

  it('sets, replaces and removes', () => {
    const el = XElement.Parse('<r><a>1</a><b>2</b><c/></r>');
    el.SetAttributeValue('v', 'x"y');
    el.SetElementValue('a', 10);
    el.SetElementValue('b', null);
    el.Element('c')!.ReplaceWith(new XElement('d', new XComment('c')));
    el.Element('a')!.AddAfterSelf(new XText('t'));
    assert.equal(el.ToString(), '<r v="x&quot;y">\n  <a>10</a>t<d><!--c--></d></r>');
    el.Attribute('v')!.Remove();
    extension('Remove', el.Elements());
    assert.equal(el.ToString(), '<r>t</r>');
    assert.equal(el.HasElements, false);
  });

  it('navigates parents, ancestors and siblings', () => {
    const doc = XDocument.Parse('<a><b><c/></b><d/></a>');
    const c = doc.Descendants('c')[0]!;
    assert.deepEqual(c.Ancestors().map((e) => e.Name.LocalName), ['b', 'a']);
    assert.equal(c.Parent!.NextNode instanceof XElement && (c.Parent!.NextNode as XElement).Name.LocalName, 'd');
    assert.equal(c.Document, doc);
    assert.deepEqual((extension('Elements', doc.Root!.Elements()) as XElement[]).map((e) => e.Name.LocalName), ['c']);
  });

  it('exposes the parsed-element model for other policies and registers types', () => {
    const raw = parseXml('<a x="1">t<![CDATA[<c>]]></a>');
    assert.deepEqual(raw.nodes[0], { type: 'element', name: { namespace: '', local: 'a' }, attributes: [{ namespace: '', local: 'x', value: '1' }], children: [{ type: 'text', value: 't' }, { type: 'cdata', value: '<c>' }], selfClosing: false });
    assert.equal(DOTNET_TYPES['System.Xml.Linq.XDocument'], XDocument);
    assert.equal((DOTNET_TYPES.XmlNodeType as Record<string, string>).Element, 'Element');
  });
});
