import type { PolicyDefinition } from '../../types.ts';

/**
 * log-to-eventhub (APIM-REFERENCE §4).
 *
 * Snapshots carry no logger entities yet, so `logger-id` cannot be checked
 * against one: any non-empty id is accepted. Until an Event Hubs sink exists,
 * each event is written as a structured info log line (`eventHubLoggerId`,
 * partition, the event text) so no event is lost; the sink will replace this
 * output, not the policy's contract.
 */

/** APIM truncates messages above 200 KB. */
const MAX_MESSAGE_CHARS = 200 * 1024;

export const logToEventhub: PolicyDefinition = {
  name: 'log-to-eventhub',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['logger-id', 'partition-id', 'partition-key'],
  compile(element, compiler) {
    const loggerId = compiler.literal(element, 'logger-id').trim();
    if (loggerId === '') compiler.fail('log-to-eventhub: logger-id must not be empty', element.attributes.get('logger-id'));
    const partitionId = compiler.optionalLiteral(element, 'partition-id');
    const partitionKey = compiler.optionalString(element, 'partition-key');
    if (partitionId !== undefined && partitionKey !== undefined) compiler.fail('log-to-eventhub: use partition-id or partition-key, not both', element.attributes.get('partition-key'));
    const message = compiler.text(element);
    if (message === undefined) return compiler.fail('log-to-eventhub: the element must contain the message to log', element);
    const secret = element.text?.secret === true;
    const logger = compiler.services.logger;
    return (context) => {
      let event = message(context);
      if (event.length > MAX_MESSAGE_CHARS) event = event.slice(0, MAX_MESSAGE_CHARS);
      logger.info({
        policy: 'log-to-eventhub',
        eventHubLoggerId: loggerId,
        ...(partitionId === undefined ? {} : { partitionId }),
        ...(partitionKey === undefined ? {} : { partitionKey: partitionKey(context) }),
        requestId: context.requestId,
        event: secret ? '<redacted>' : event,
      }, 'event hub message');
    };
  },
};
