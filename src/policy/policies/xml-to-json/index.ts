import type { PolicyDefinition } from '../../types.ts';
import { literalBoolean } from '../shared/attributes.ts';
import { convertBody, isJsonType, isXmlType } from '../shared/content-type.ts';
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
      run: convertBody(onRequest, {
        onlyFrom: apply === 'content-type-xml' ? isXmlType : undefined,
        acceptTarget: considerAccept ? isJsonType : undefined,
        convert: (text) => {
          try {
            return JSON.stringify(xmlToJson(text, { kind, alwaysArrayChildElements }));
          } catch (error) {
            throw new Error(`xml-to-json: the body is not well-formed XML: ${error instanceof Error ? error.message : String(error)}`);
          }
        },
        contentType: 'application/json',
      }),
    };
  },
};
