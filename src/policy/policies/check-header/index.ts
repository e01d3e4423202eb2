import { PolicyFailure } from '../../failure.ts';
import type { PolicyDefinition } from '../../types.ts';
import { childrenNamed } from '../shared/attributes.ts';

/**
 * check-header (APIM-REFERENCE §1.2, §4): refuses the request when the header
 * is missing or (with `<value>`s) holds none of the allowed values. The caller
 * sees failed-check-error-message; LastError carries APIM's own text.
 */
export const checkHeader: PolicyDefinition = {
  name: 'check-header',
  sections: ['inbound'],
  attributes: ['name', 'failed-check-httpcode', 'failed-check-error-message', 'ignore-case'],
  compile(element, compiler) {
    const name = compiler.string(element, 'name');
    const status = compiler.integer(element, 'failed-check-httpcode');
    const message = compiler.string(element, 'failed-check-error-message');
    // Learn lists ignore-case as required; a document without it is still accepted, comparing exactly.
    const ignoreCase = compiler.boolean(element, 'ignore-case', false);
    const allowed = childrenNamed(element, compiler, ['value']).map((child) => compiler.text(child) ?? (() => ''));
    return (context) => {
      const header = name(context);
      const values = context.request.headers.get(header);
      if (values === undefined) {
        throw new PolicyFailure(status(context), 'HeaderNotFound', message(context), { lastErrorMessage: `Header ${header} was not found in the request. Access denied.` });
      }
      if (allowed.length === 0) return;
      const fold = ignoreCase(context) ? (text: string) => text.toLowerCase() : (text: string) => text;
      const permitted = new Set(allowed.map((value) => fold(value(context))));
      const joined = values.join(',');
      if (permitted.has(fold(joined)) || values.every((value) => permitted.has(fold(value)))) return;
      throw new PolicyFailure(status(context), 'HeaderValueNotAllowed', message(context), { lastErrorMessage: `Header ${header} value of ${joined} is not allowed. Access denied.` });
    };
  },
};
