import type { PolicyDefinition } from '../../types.ts';
import { isExpression } from '../shared/attributes.ts';

/**
 * set-backend-service (APIM-REFERENCE §4): points the backend request at
 * another base URL (`base-url`) or at a backend entity (`backend-id`),
 * keeping the relative path and query. Service Fabric and Dapr attributes are
 * not supported: they are not listed, so the compiler refuses them.
 */
export const setBackendService: PolicyDefinition = {
  name: 'set-backend-service',
  sections: ['inbound', 'backend'],
  attributes: ['base-url', 'backend-id'],
  compile(element, compiler) {
    const baseUrlSource = element.attributes.get('base-url');
    const backendIdSource = element.attributes.get('backend-id');
    if ((baseUrlSource === undefined) === (backendIdSource === undefined)) {
      compiler.fail('set-backend-service: exactly one of base-url or backend-id is required', element);
    }
    if (baseUrlSource !== undefined) {
      if (!isExpression(baseUrlSource) && !isAbsoluteHttpUrl(baseUrlSource.value.trim())) {
        compiler.fail(`set-backend-service: base-url must be an absolute http or https URL, got "${baseUrlSource.value.trim()}"`, baseUrlSource);
      }
      const baseUrl = compiler.string(element, 'base-url');
      return (context) => {
        const url = baseUrl(context);
        if (!isAbsoluteHttpUrl(url)) throw new Error(`set-backend-service: base-url "${url}" is not an absolute http or https URL`);
        context.request.url.rebase(url);
        context.backendId = undefined;
      };
    }
    const backends = compiler.services.backends;
    if (!isExpression(backendIdSource)) {
      const id = backendIdSource!.value.trim();
      const backend = backends.get(id);
      if (backend === undefined) return compiler.fail(`set-backend-service: backend-id "${id}" does not name a backend`, backendIdSource);
      const url = backend.url;
      return (context) => {
        context.request.url.rebase(url);
        context.backendId = id;
      };
    }
    const backendId = compiler.string(element, 'backend-id');
    return (context) => {
      const id = backendId(context);
      const backend = backends.get(id);
      if (backend === undefined) throw new Error(`set-backend-service: backend-id "${id}" does not name a backend`);
      context.request.url.rebase(backend.url);
      context.backendId = id;
    };
  },
};

function isAbsoluteHttpUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const protocol = new URL(value).protocol;
  return protocol === 'http:' || protocol === 'https:';
}
