import type { PolicyDefinition } from '../../types.ts';
import { literalBoolean } from '../shared/attributes.ts';
import { acceptAdmits, isJsonType, isXmlType } from '../shared/content-type.ts';
import { targetsRequest } from '../shared/target.ts';
import { xmlToJson, type XmlToJsonKind } from './convert.ts';

/**
 * xml-to-json (APIM-REFERENCE §4): converts the message body from XML to JSON
 * (`kind` direct = Newtonsoft's SerializeXmlNode; javascript-friendly =
 * APIM's simplified form) and sets `Content-Type: application/json`.
 */
export const xmlToJsonPolicy: PolicyDefinition = {
  name: 'xml-to-json',
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['kind', 'apply', 'consider-accept-header', 'always-array-child-elements'],
  compile(element, compiler) {
    const kind = compiler.choice<XmlToJsonKind>(element, 'kind', ['javascript-friendly', 'direct']);
    const apply = compiler.choice(element, 'apply', ['always', 'content-type-xml']);
    const considerAccept = literalBoolean(element, compiler, 'consider-accept-header', true);
    const alwaysArrayChildElements = literalBoolean(element, compiler, 'always-array-child-elements', false);
    const onRequest = targetsRequest(compiler.origin.section);
    return {
      usesBody: true,
      run(context) {
        const message = onRequest ? context.request : context.response;
        if (message.body === null) return;
        if (apply === 'content-type-xml' && !isXmlType(message.headers.joined('content-type'))) return;
        if (considerAccept && !acceptAdmits(context.request.headers.joined('accept'), (type) => isJsonType(type))) return;
        const text = message.body.content.toString('utf8');
        if (text.trim() === '') return;
        let json: unknown;
        try {
          json = xmlToJson(text, { kind, alwaysArrayChildElements });
        } catch (error) {
          throw new Error(`xml-to-json: the body is not well-formed XML: ${error instanceof Error ? error.message : String(error)}`);
        }
        message.body.replace(JSON.stringify(json));
        message.headers.set('Content-Type', ['application/json']);
      },
    };
  },
};
