import fs from 'node:fs';

/**
 * The example configuration served when no source is configured. Run from
 * source it is read beside the repo; scripts/build.ts replaces this module
 * with the file's text so the single executable carries it.
 */
export function embeddedExampleText(): string {
  return fs.readFileSync(new URL('../../examples/gateway.yaml', import.meta.url), 'utf8');
}
