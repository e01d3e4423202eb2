import type { PolicyDefinition } from '../../types.ts';
import { literalBoolean } from '../shared/attributes.ts';
import { convertBody, isJsonType, isXmlType } from '../shared/content-type.ts';
import { targetsRequest } from '../shared/target.ts';
import { jsonToXml } from './convert.ts';

/**
 * json-to-xml (APIM-REFERENCE §4): converts the message body from JSON to
 * XML (Newtonsoft's DeserializeXmlNode conventions) and sets
 * `Content-Type: application/xml`. parse-date is accepted; JSON dates stay as
 * their ISO text either way (Newtonsoft re-formats them; not reproduced).
 */
export const jsonToXmlPolicy: PolicyDefinition = {
  name: 'json-to-xml',
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['apply', 'consider-accept-header', 'parse-date', 'namespace-separator', 'namespace-prefix', 'attribute-block-name'],
  compile(element, compiler) {
    const apply = compiler.choice(element, 'apply', ['always', 'content-type-json']);
    const considerAccept = literalBoolean(element, compiler, 'consider-accept-header', true);
    literalBoolean(element, compiler, 'parse-date', true);
    const options = {
      namespaceSeparator: compiler.optionalLiteral(element, 'namespace-separator') ?? '_',
      namespacePrefix: compiler.optionalLiteral(element, 'namespace-prefix'),
      attributeBlockName: compiler.optionalLiteral(element, 'attribute-block-name'),
    };
    const onRequest = targetsRequest(compiler.origin.section);
    return {
      usesBody: true,
      run: convertBody(onRequest, {
        onlyFrom: apply === 'content-type-json' ? isJsonType : undefined,
        acceptTarget: considerAccept ? isXmlType : undefined,
        convert: (text) => {
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch (error) {
            throw new Error(`json-to-xml: the body is not valid JSON: ${error instanceof Error ? error.message : String(error)}`);
          }
          return jsonToXml(json, options);
        },
        contentType: 'application/xml',
      }),
    };
  },
};
