import { ResponseMessage } from '../../context/message.ts';
import type { RequestContext } from '../../context/request-context.ts';
import type { PolicyDefinition } from '../../types.ts';
import { compileBodyWriter } from '../set-body/index.ts';
import { compileHeaderEdit } from '../set-header/index.ts';
import { compileStatus } from '../set-status/index.ts';
import { childrenNamed } from '../shared/attributes.ts';

/**
 * return-response (APIM-REFERENCE §4): answers the caller at once with a
 * response built from its set-status / set-header / set-body children —
 * starting from an empty `200 OK`, or from the response held in
 * `response-variable-name` (a send-request result) — and ends the pipeline.
 */
export const returnResponse: PolicyDefinition = {
  name: 'return-response',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['response-variable-name'],
  compile(element, compiler) {
    const variable = compiler.optionalLiteral(element, 'response-variable-name');
    const edits: ((context: RequestContext, response: ResponseMessage) => void)[] = [];
    let usesBody = false;
    for (const child of childrenNamed(element, compiler, ['set-status', 'set-header', 'set-body'])) {
      if (child.name === 'set-status') edits.push(compileStatus(child, compiler));
      else if (child.name === 'set-header') {
        const edit = compileHeaderEdit(child, compiler);
        edits.push((context, response) => edit(context, response.headers));
      } else {
        const writer = compileBodyWriter(child, compiler, { emptyInput: true });
        usesBody ||= writer.usesBody;
        edits.push((context, response) => writer.write(context, response));
      }
    }
    const run = (context: RequestContext): void => {
      const response = variable === undefined ? new ResponseMessage(200, 'OK') : responseFromVariable(context, variable);
      for (const edit of edits) edit(context, response);
      // A backend response being replaced still streams: drain it so its connection is released.
      if (context.response !== response) context.response.body?.replace('');
      context.response = response;
      context.end();
    };
    return { run, usesBody };
  },
};

function responseFromVariable(context: RequestContext, name: string): ResponseMessage {
  const value = context.variables.get(name);
  if (!(value instanceof ResponseMessage)) {
    throw new Error(value === undefined ? `return-response: variable '${name}' does not exist` : `return-response: variable '${name}' does not hold a response`);
  }
  return value;
}
