import type { Snapshot } from '../config/model.ts';

/**
 * Replaces the text of every secret named value with its `{{name}}` reference,
 * so messages that quote an attribute or an expression result (compile errors,
 * LastError messages in the request log) never carry the secret itself.
 */
export function secretScrubber(snapshot: Pick<Snapshot, 'namedValues'>): (text: string) => string {
  // Longest first, so a secret containing a shorter one is replaced whole.
  const secrets = snapshot.namedValues
    .filter((namedValue) => namedValue.secret && namedValue.value.length >= 4)
    .sort((a, b) => b.value.length - a.value.length)
    .map((namedValue) => ({ value: namedValue.value, reference: `{{${namedValue.name}}}` }));
  if (secrets.length === 0) return (text) => text;
  return (text) => {
    let scrubbed = text;
    for (const { value, reference } of secrets) if (scrubbed.includes(value)) scrubbed = scrubbed.replaceAll(value, reference);
    return scrubbed;
  };
}
