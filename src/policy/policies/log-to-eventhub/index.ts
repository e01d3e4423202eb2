import { eventSinks } from '../../../telemetry/event-sink.ts';
import type { PolicyDefinition } from '../../types.ts';

/**
 * log-to-eventhub (APIM-REFERENCE §4).
 *
 * Snapshots carry no logger entities, so `logger-id` cannot be checked
 * against one: any non-empty id is accepted, and travels with the event.
 * Events go to the configured sink (telemetry.eventhub.endpoint: a file or
 * an HTTP endpoint, src/telemetry/event-sink.ts), the event text whole, as
 * Event Hubs would receive it. Without a sink each event is a structured
 * info line in the stdout log (`eventHubLoggerId`, partition, the event
 * text, redacted when built from secret named values).
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
      const sink = eventSinks.current;
      if (sink !== undefined) {
        sink.send({
          time: new Date().toISOString(),
          loggerId,
          ...(partitionId === undefined ? {} : { partitionId }),
          ...(partitionKey === undefined ? {} : { partitionKey: partitionKey(context) }),
          requestId: context.requestId,
          message: event,
        });
        return;
      }
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
