import { SETTINGS, SETTING_KEYS } from './schema.ts';

/** docs/settings.md, generated from the schema so the two cannot drift (a test compares them). */
export function settingsMarkdown(): string {
  const rows = SETTING_KEYS.map((key) => {
    const definition = SETTINGS[key];
    const fallback = key === 'runtime.workers' ? 'number of cores' : definition.default === undefined ? '—' : `\`${String(definition.default)}\``;
    return `| \`${key}\` | ${fallback} | ${definition.description.replace(/\|/g, '\\|')} |`;
  });
  return `# Settings

<!-- Generated from src/settings/schema.ts by \`npm run docs\`; do not edit by hand. -->

Every setting can come from, later winning:

1. its built-in default;
2. an env file given with \`--env-file env.conf\` (\`KEY=VALUE\` lines, \`#\` comments;
   the Azure self-hosted gateway's \`env.conf\` names work as they are);
3. an environment variable of the same name — \`_\` may stand for \`.\` or \`-\`,
   case does not matter (\`NET_SERVER_HTTP_PORT=9000\`);
4. the command line: \`--set key=value\`, or a command's shortcut flag
   (\`apimgw run --port 9000\`).

An unknown key in an env file, on the command line, or as a dotted
environment variable is an error that names the closest known setting.

| Setting | Default | Description |
|---|---|---|
${rows.join('\n')}
`;
}
