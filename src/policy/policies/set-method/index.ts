import type { PolicyDefinition } from '../../types.ts';
import { isExpression } from '../shared/attributes.ts';

/** An HTTP method token (RFC 9110 §5.6.2), as the snapshot's operations are checked. */
const METHOD_TOKEN = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** set-method (APIM-REFERENCE §4): the element text is the backend request's method. */
export const setMethod: PolicyDefinition = {
  name: 'set-method',
  sections: ['inbound', 'on-error'],
  attributes: [],
  compile(element, compiler) {
    const method = compiler.text(element);
    if (method === undefined) return compiler.fail('set-method: the element must contain the HTTP method, e.g. <set-method>POST</set-method>', element);
    if (!isExpression(element.text)) {
      const constant = element.text!.value.trim();
      if (!METHOD_TOKEN.test(constant)) compiler.fail(`set-method: "${constant}" is not an HTTP method`, element.text);
      return (context) => {
        context.request.method = constant;
      };
    }
    return (context) => {
      const value = method(context).trim();
      if (!METHOD_TOKEN.test(value)) throw new Error(`set-method: "${value}" is not an HTTP method`);
      context.request.method = value;
    };
  },
};
