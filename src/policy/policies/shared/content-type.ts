/** Media-type tests shared by the body conversion policies (json-to-xml, xml-to-json). */

const JSON_TYPE = /^\s*(?:application\/json|text\/json|[^/;,\s]+\/[^;,\s]*\+json)\s*(?:;|$)/i;
const XML_TYPE = /^\s*(?:application\/xml|text\/xml|[^/;,\s]+\/[^;,\s]*\+xml)\s*(?:;|$)/i;

export function isJsonType(contentType: string | undefined): boolean {
  return contentType !== undefined && JSON_TYPE.test(contentType);
}

export function isXmlType(contentType: string | undefined): boolean {
  return contentType !== undefined && XML_TYPE.test(contentType);
}

/**
 * Whether the caller's Accept header admits the target format. An absent
 * Accept or a wildcard admits anything (APIM's exact rule is unverified:
 * Learn says only "applied if JSON/XML is requested in the Accept header").
 */
export function acceptAdmits(accept: string | undefined, wants: (mediaType: string) => boolean): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const mediaType = range.split(';', 1)[0]!.trim();
    return mediaType === '*/*' || wants(mediaType);
  });
}
