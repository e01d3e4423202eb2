import type { RequestContext } from '../../context/request-context.ts';
import { isExpression } from '../../expression/index.ts';
import type { PolicyCompiler, PolicyDefinition, PolicyElement } from '../../types.ts';
import { setBackendClientCertificate, type ClientCertificate } from './agents.ts';

/**
 * authentication-certificate (APIM-REFERENCE §4): the client certificate
 * the backend request presents over TLS. `body` (PFX bytes, usually an
 * expression such as `@(context.Variables["cert"])` or Base64 text) +
 * `password` work; `thumbprint` and `certificate-id` name certificates of
 * the APIM instance, which snapshots do not carry yet — a located error.
 */

export const authenticationCertificatePolicy: PolicyDefinition = {
  name: 'authentication-certificate',
  sections: ['inbound'],
  attributes: ['thumbprint', 'certificate-id', 'body', 'password'],
  compile(element, compiler) {
    const certificate = certificateOf(element, compiler);
    return (context) => {
      setBackendClientCertificate(context, certificate(context));
    };
  },
};

/** The certificate an authentication-certificate element (policy, or child of send-request) names, per request. */
export function certificateOf(element: PolicyElement, compiler: PolicyCompiler): (context: RequestContext) => ClientCertificate {
  for (const name of ['thumbprint', 'certificate-id']) {
    const attribute = element.attributes.get(name);
    if (attribute) compiler.fail(`authentication-certificate: ${name} needs the certificate store, which is not available yet; use body and password`, attribute);
  }
  const body = element.attributes.get('body');
  if (!body) return compiler.fail('authentication-certificate: one of thumbprint, certificate-id or body is required', element);
  const password = compiler.optionalString(element, 'password');
  let pfxOf: (context: RequestContext) => Buffer;
  if (isExpression(body.value)) {
    const evaluate = compiler.expression(body);
    pfxOf = (context) => {
      const value = evaluate(context);
      if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (typeof value === 'string') return Buffer.from(value, 'base64');
      throw new Error('authentication-certificate: body must be a byte[] (or a Base64 string)');
    };
  } else {
    const constant = Buffer.from(body.value.trim(), 'base64');
    if (constant.length === 0) compiler.fail('authentication-certificate: body must be the certificate as Base64', body);
    pfxOf = () => constant;
  }
  return (context) => ({ pfx: pfxOf(context), passphrase: password?.(context) || undefined });
}
