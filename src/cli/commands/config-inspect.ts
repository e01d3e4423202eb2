import type { Command } from 'commander';
import { loadConfigured } from '../../config/source.ts';
import { summarise, type SnapshotSummary } from '../../config/summary.ts';
import { colours, table } from '../ui/output.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface InspectFlags extends SettingsFlags {
  json?: boolean;
}

function humanReport(source: string, hash: string, summary: SnapshotSummary, paint: ReturnType<typeof colours>): string {
  const { counts } = summary;
  const sections = [
    `${paint.bold('source')}    ${source}\n${paint.bold('revision')}  ${summary.revision ?? '-'}\n${paint.bold('hash')}      ${hash.slice(0, 16)}\n`
      + `${counts.apis} APIs (${counts.apiEntries} versions/revisions), ${counts.operations} operations, ${counts.products} products, `
      + `${counts.subscriptions} subscriptions, ${counts.namedValues} named values, ${counts.backends} backends, ${counts.policies} policies`,
    table([
      ['API', 'PATH', 'VERSION', 'REV', 'KEY', 'OPS', 'BACKEND'],
      ...summary.apis.map((api) => [
        api.id, `/${api.path}`, api.version ? `${api.version} (${api.versioningScheme})` : '-',
        `${api.revision}${api.isCurrent ? '*' : ''}`, api.subscriptionRequired ? 'yes' : 'no', String(api.operations.length), api.serviceUrl ?? '-',
      ]),
    ], paint),
  ];
  if (summary.products.length) {
    sections.push(table([['PRODUCT', 'STATE', 'KEY', 'APIS'], ...summary.products.map((p) => [p.id, p.state, p.subscriptionRequired ? 'yes' : 'no', p.apis.join(', ') || '-'])], paint));
  }
  if (summary.subscriptions.length) {
    sections.push(table([['SUBSCRIPTION', 'SCOPE', 'STATE', 'KEYS'], ...summary.subscriptions.map((s) => [s.id, s.scope, s.state, s.keys.join(', ') || 'none'])], paint));
  }
  if (summary.namedValues.length) {
    sections.push(table([['NAMED VALUE', 'SECRET'], ...summary.namedValues.map((n) => [n.name, n.secret ? 'yes' : 'no'])], paint));
  }
  return `${sections.join('\n\n')}\n(* = current revision; keys and secret values are never shown)\n`;
}

export function registerConfigInspect(parent: Command, context: CommandContext): void {
  addSettingsOptions(parent.command('inspect [path]')
    .description('summarise a snapshot file or APIOps folder: APIs, versions, revisions, operations, products, subscriptions')
    .option('--json', 'print the summary as JSON on stdout'))
    .addHelpText('after', '\nExamples:\n  apimgw config inspect examples/gateway.yaml\n  apimgw config inspect ./apiops --json | jq \'.apis[].id\'')
    .action((path: string | undefined, flags: InspectFlags) => {
      const { settings } = settingsFrom(flags, context.io.env);
      const config = loadConfigured(settings, path);
      const summary = summarise(config.snapshot);
      const { io } = context;
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ source: config.source, hash: config.hash, warnings: config.warnings, ...summary }, null, 2)}\n`);
        return;
      }
      const paint = colours(io, 'stdout');
      for (const warning of config.warnings) io.stderr.write(`${colours(io).yellow('warning')} ${warning}\n`);
      io.stdout.write(humanReport(config.source, config.hash, summary, paint));
    });
}
