import { STATUS_CODES } from 'node:http';
import type { ResponseMessage } from '../../context/message.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';

/**
 * set-status (APIM-REFERENCE §4): the response status code and reason. The
 * reason is optional in current docs; without one the standard phrase is used.
 */
export const setStatus: PolicyDefinition = {
  name: 'set-status',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['code', 'reason'],
  compile(element, compiler) {
    const apply = compileStatus(element, compiler);
    return (context) => apply(context, context.response);
  },
};

/** Shared with return-response, which applies it to the response it builds. */
export function compileStatus(element: PolicyElement, compiler: PolicyCompiler): (context: RequestContext, response: ResponseMessage) => void {
  const code = compiler.integer(element, 'code');
  const reason = compiler.optionalString(element, 'reason');
  const codeSource = element.attributes.get('code');
  if (codeSource !== undefined && /^\s*\d+\s*$/.test(codeSource.value)) checkCode(Number(codeSource.value), (message) => compiler.fail(message, codeSource));
  return (context, response) => {
    const status = code(context);
    checkCode(status, (message) => {
      throw new Error(message);
    });
    response.statusCode = status;
    response.statusReason = reason?.(context) ?? STATUS_CODES[status] ?? '';
  };
}

function checkCode(code: number, fail: (message: string) => never): void {
  if (!Number.isInteger(code) || code < 100 || code > 599) fail(`set-status: code must be an HTTP status code between 100 and 599, got ${code}`);
}
