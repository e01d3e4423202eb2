/** System.Xml.Linq for policy expressions, and the parsed-XML model for xml-to-json and friends. */
export { XContainer, XElement, fromRaw } from './container.ts';
export { XDocument } from './document.ts';
export { XName, XNamespace, toXName } from './names.ts';
export { XAttribute, XCData, XComment, XDeclaration, XDocumentType, XNode, XObject, XProcessingInstruction, XText, XmlNodeType } from './nodes.ts';
export { parseXml, XML_NAMESPACE, XMLNS_NAMESPACE, type RawAttribute, type RawDeclaration, type RawDocument, type RawName, type RawNode } from './parser.ts';
export { writeXml } from './writer.ts';
export { XML_EXTENSIONS } from './extensions.ts';

export const LoadOptions = { None: 'None', PreserveWhitespace: 'PreserveWhitespace', SetBaseUri: 'SetBaseUri', SetLineInfo: 'SetLineInfo' } as const;
export const SaveOptions = { None: 'None', DisableFormatting: 'DisableFormatting', OmitDuplicateNamespaces: 'OmitDuplicateNamespaces' } as const;
