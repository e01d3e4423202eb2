import { MessageBody } from '../../context/body.ts';
import { ResponseMessage } from '../../context/message.ts';
import { BackendError } from '../../pipeline.ts';
import type { PolicyDefinition } from '../../types.ts';
import { call } from './client.ts';
import { compileOutgoing } from './outgoing.ts';

/**
 * send-request (APIM-REFERENCE §4): calls another service and stores its
 * answer — an IResponse, here a ResponseMessage with the body already read —
 * in `response-variable-name`. `timeout` (60 s) covers the whole call. A
 * failed call (timeout, refused connection) goes to on-error with
 * LastError Reason `Timeout` / `BackendConnectionFailure`, unless
 * `ignore-error="true"`, which stores null instead (the retry doc's example
 * relies on exactly that). An answer with an error status is not a failure.
 */

export const sendRequestPolicy: PolicyDefinition = {
  name: 'send-request',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['mode', 'response-variable-name', 'timeout', 'ignore-error'],
  compile(element, compiler) {
    const mode = compiler.choice(element, 'mode', ['new', 'copy'], 'new');
    const variable = compiler.literal(element, 'response-variable-name');
    const timeout = compiler.integer(element, 'timeout', 60);
    const ignoreError = compiler.boolean(element, 'ignore-error', false);
    const outgoing = compileOutgoing(element, compiler, mode, compiler.origin.section);
    const maxBodyBytes = compiler.services.bodyLimitBytes;

    const run = async (context: Parameters<ReturnType<typeof compileOutgoing>['build']>[0]): Promise<void> => {
      const message = await outgoing.build(context);
      try {
        new URL(message.url);
      } catch {
        if (ignoreError(context)) return context.variables.set(variable, null);
        throw new BackendError('BackendConnectionFailure', `Invalid URI: ${message.url === '' ? 'The URI is empty.' : `The format of the URI "${message.url}" could not be determined.`}`);
      }
      try {
        const response = await call({
          url: message.url,
          method: message.method,
          headers: message.headers.toRaw(),
          body: message.body,
          timeoutMs: timeout(context) * 1000,
          maxBodyBytes,
          signal: context.signal,
          dispatcher: message.dispatcher,
        });
        context.variables.set(variable, new ResponseMessage(response.statusCode, response.statusReason, response.headers, MessageBody.of(response.body)));
      } catch (error) {
        if (!ignoreError(context)) throw error;
        context.variables.set(variable, null);
      }
    };
    return { run, usesBody: outgoing.usesBody };
  },
};
