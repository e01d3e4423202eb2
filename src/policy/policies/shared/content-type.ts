import type { RequestContext } from '../../context/request-context.ts';

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
function acceptAdmits(accept: string | undefined, wants: (mediaType: string) => boolean): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const mediaType = range.split(';', 1)[0]!.trim();
    return mediaType === '*/*' || wants(mediaType);
  });
}

export interface BodyConversion {
  /** With apply="content-type-…": the body's own type must already be the source format. */
  readonly onlyFrom: ((contentType: string | undefined) => boolean) | undefined;
  /** With consider-accept-header: the caller must accept the target format. */
  readonly acceptTarget: ((mediaType: string) => boolean) | undefined;
  readonly convert: (text: string) => string;
  readonly contentType: string;
}

/**
 * The run function both conversion policies share: pick the section's
 * message, skip what the apply/Accept rules exclude and empty bodies, then
 * replace the body and its Content-Type.
 */
export function convertBody(onRequest: boolean, conversion: BodyConversion): (context: RequestContext) => void {
  return (context) => {
    const message = onRequest ? context.request : context.response;
    if (message.body === null) return;
    if (conversion.onlyFrom && !conversion.onlyFrom(message.headers.joined('content-type'))) return;
    if (conversion.acceptTarget && !acceptAdmits(context.request.headers.joined('accept'), conversion.acceptTarget)) return;
    const text = message.body.content.toString('utf8');
    if (text.trim() === '') return;
    message.body.replace(conversion.convert(text));
    message.headers.set('Content-Type', [conversion.contentType]);
  };
}
