import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyDefinition } from '../../types.ts';

/**
 * redirect-content-urls (APIM-REFERENCE §4; Learn "Mask URLs in content"):
 * outbound, links to the backend in the response body are rewritten to point
 * at the gateway; inbound, the reverse on the request body. Headers
 * (Location) are left alone. The backend base is the request's current
 * backend URL base (serviceUrl, or what set-backend-service chose); the
 * gateway base is the URL the client called up to the API path (and a
 * path-segment version identifier), e.g. `http://backend/api` ↔
 * `https://gateway/conference`. Plain substring replacement.
 */
export const redirectContentUrls: PolicyDefinition = {
  name: 'redirect-content-urls',
  sections: ['inbound', 'outbound'],
  attributes: [],
  compile(element, compiler) {
    if (element.children.length > 0) compiler.fail('redirect-content-urls takes no child elements', element.children[0]);
    const outbound = compiler.origin.section === 'outbound';
    return {
      usesBody: true,
      run(context) {
        const body = outbound ? context.response.body : context.request.body;
        if (body === null) return;
        const backend = backendBase(context);
        const gateway = gatewayBase(context);
        const [from, to] = outbound ? [backend, gateway] : [gateway, backend];
        if (from === to) return;
        const text = body.content.toString('utf8');
        if (text.includes(from)) body.replace(text.replaceAll(from, to));
      },
    };
  },
};

function backendBase(context: RequestContext): string {
  const url = context.request.url;
  return url.origin + url.basePath;
}

function gatewayBase(context: RequestContext): string {
  const original = context.request.originalUrl;
  const apiPath = context.route.api.Path.replace(/^\/+|\/+$/g, '');
  let base = apiPath === '' ? '' : `/${apiPath}`;
  // The path as the client typed it (case, ;rev=) for the API part, then a Segment version identifier when one follows.
  const segments = original.Path.split('/').slice(1);
  const depth = apiPath === '' ? 0 : apiPath.split('/').length;
  if (depth > 0 && segments.length >= depth) base = `/${segments.slice(0, depth).join('/')}`;
  const version = context.route.api.Version;
  const next = segments[depth];
  if (version !== null && next !== undefined && next.toLowerCase() === version.toLowerCase()) base += `/${next}`;
  return original.origin + base;
}
