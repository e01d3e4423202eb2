import type { PolicyAttribute, PolicyDefinition, ValueOf } from '../../types.ts';
import { childrenNamed } from '../shared/attributes.ts';

/**
 * trace (APIM-REFERENCE §4): APIM writes the message to request traces and
 * Application Insights; apimgw writes it as a debug log line with source,
 * severity and metadata. Values that carry a secret named value are logged as
 * `<redacted>`.
 */

const SEVERITIES = ['verbose', 'information', 'error'] as const;
const REDACTED = '<redacted>';

export const trace: PolicyDefinition = {
  name: 'trace',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['source', 'severity'],
  compile(element, compiler) {
    const source = compiler.literal(element, 'source');
    const severity = compiler.choice(element, 'severity', SEVERITIES, 'verbose');
    const children = childrenNamed(element, compiler, ['message', 'metadata']);
    const messages = children.filter((child) => child.name === 'message');
    if (messages.length !== 1) compiler.fail('trace: exactly one <message> is required', messages[1] ?? element);
    const message = redactable(messages[0]!.text, compiler.text(messages[0]!) ?? (() => ''));
    const metadata = children.filter((child) => child.name === 'metadata').map((child) => ({
      name: compiler.literal(child, 'name'),
      value: redactable(child.attributes.get('value'), compiler.string(child, 'value')),
    }));
    const logger = compiler.services.logger;
    const { path } = compiler.origin;
    return (context) => {
      if (!logger.isLevelEnabled('debug')) return;
      const fields: Record<string, string> = {};
      for (const entry of metadata) fields[entry.name] = entry.value(context);
      logger.debug({ policy: 'trace', source, severity, metadata: fields, requestId: context.requestId, path }, message(context));
    };
  },
};

/** A value that must not reach the log when a secret named value was substituted into it. */
function redactable(source: PolicyAttribute | undefined, value: ValueOf<string>): ValueOf<string> {
  return source?.secret ? () => REDACTED : value;
}
