import type { Command } from 'commander';
import { loadConfigured } from '../../config/source.ts';
import { fetchSnapshotOnce } from '../../config/sync/fetch-once.ts';
import { ApimgwError } from '../../errors.ts';
import { effectivePolicy } from '../../policy/effective.ts';
import { summarise, type SnapshotSummary } from '../../config/summary.ts';
import { colours, table } from '../ui/output.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface InspectFlags extends SettingsFlags {
  json?: boolean;
  operation?: string;
  product?: string;
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
    .description('summarise a snapshot file (a `config fetch` output or a backup), an APIOps folder, or — with no path and config.service.endpoint set — what the management plane serves')
    .option('--json', 'print the summary as JSON on stdout')
    .option('--operation <api/operation>', 'print the effective policy of one operation: every scope merged at <base/>')
    .option('--product <id>', 'with --operation: the product the call comes through (its policy joins the merge)'))
    .addHelpText('after', '\nExamples:\n  apimgw config inspect examples/gateway.yaml\n  apimgw config inspect ./apiops --json | jq \'.apis[].id\'\n  apimgw config inspect examples/gateway.yaml --operation public/get-anything')
    .action(async (path: string | undefined, flags: InspectFlags) => {
      const { settings } = settingsFrom(flags, context.io.env);
      const { io } = context;
      // No path and a management plane configured: inspect what it serves now.
      const config = path === undefined && settings['config.service.endpoint'] !== undefined
        ? (await fetchSnapshotOnce(settings, (message) => io.stderr.write(`${colours(io).yellow('warning')} ${message}\n`))).config
        : loadConfigured(settings, path);
      if (flags.operation !== undefined) {
        const slash = flags.operation.lastIndexOf('/');
        if (slash <= 0 || slash === flags.operation.length - 1) {
          throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', `--operation "${flags.operation}" is not <api id>/<operation id>`, { hint: 'For example --operation orders/get-order; `apimgw config inspect` lists the ids.' });
        }
        const request = { apiId: flags.operation.slice(0, slash), operationId: flags.operation.slice(slash + 1), productId: flags.product };
        const policy = effectivePolicy(config.snapshot, request, config.policySources);
        io.stdout.write(flags.json ? `${JSON.stringify({ ...request, policy }, null, 2)}\n` : policy);
        return;
      }
      const summary = summarise(config.snapshot);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ source: config.source, hash: config.hash, warnings: config.warnings, ...summary }, null, 2)}\n`);
        return;
      }
      const paint = colours(io, 'stdout');
      for (const warning of config.warnings) io.stderr.write(`${colours(io).yellow('warning')} ${warning}\n`);
      io.stdout.write(humanReport(config.source, config.hash, summary, paint));
    });
}
