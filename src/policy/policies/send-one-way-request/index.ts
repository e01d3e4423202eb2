import type { PolicyDefinition } from '../../types.ts';
import { call } from '../send-request/client.ts';
import { compileOutgoing } from '../send-request/outgoing.ts';

/**
 * send-one-way-request (APIM-REFERENCE §4): fire and forget. The request is
 * built now (its expressions see the context as it is) and sent in the
 * background; the pipeline never waits for it and its failures are only
 * logged at debug level. It is not tied to the client connection: a client
 * that goes away does not cancel it.
 */

export const sendOneWayRequestPolicy: PolicyDefinition = {
  name: 'send-one-way-request',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['mode', 'timeout'],
  compile(element, compiler) {
    const mode = compiler.choice(element, 'mode', ['new', 'copy'], 'new');
    const timeout = compiler.integer(element, 'timeout', 60);
    const outgoing = compileOutgoing(element, compiler, mode, compiler.origin.section);
    const { logger, bodyLimitBytes } = compiler.services;

    const run = (context: Parameters<typeof outgoing.build>[0]): void => {
      let message;
      let timeoutMs;
      try {
        message = outgoing.build(context);
        timeoutMs = timeout(context) * 1000;
      } catch (error) {
        logger.debug({ err: error, requestId: context.requestId }, 'send-one-way-request could not build its request');
        return;
      }
      // A managed identity child makes the message a promise; its failure is logged like a failed call.
      Promise.resolve(message)
        .then((built) => call({ url: built.url, method: built.method, headers: built.headers.toRaw(), body: built.body, timeoutMs, maxBodyBytes: bodyLimitBytes, dispatcher: built.dispatcher }))
        .catch((error: unknown) => logger.debug({ err: error, requestId: context.requestId }, 'send-one-way-request failed'));
    };
    return { run, usesBody: outgoing.usesBody };
  },
};
