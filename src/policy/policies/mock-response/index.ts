import { STATUS_CODES } from 'node:http';
import type { PolicyDefinition } from '../../types.ts';

/**
 * mock-response (APIM-REFERENCE §4): answers with `status-code` (default 200)
 * and ends the pipeline. APIM returns the operation's example for that
 * status/content type, else a sample generated from its schema; snapshots do
 * not carry operation responses yet, so the body is empty (APIM's own answer
 * when an operation documents no example), with `content-type` when given.
 */
export const mockResponse: PolicyDefinition = {
  name: 'mock-response',
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['status-code', 'content-type'],
  compile(element, compiler) {
    const status = compiler.integer(element, 'status-code', 200);
    const source = element.attributes.get('status-code');
    if (source !== undefined && /^\s*\d+\s*$/.test(source.value)) {
      const code = Number(source.value);
      if (code < 100 || code > 599) compiler.fail(`mock-response: status-code must be an HTTP status code between 100 and 599, got ${code}`, source);
    }
    const contentType = compiler.optionalString(element, 'content-type');
    return (context) => {
      const code = status(context);
      if (!Number.isInteger(code) || code < 100 || code > 599) throw new Error(`mock-response: status-code must be an HTTP status code between 100 and 599, got ${code}`);
      // A backend response being replaced still streams: drain it so its connection is released.
      context.response.body?.replace('');
      context.response.reset(code, STATUS_CODES[code] ?? '', null, contentType?.(context));
      context.end();
    };
  },
};
