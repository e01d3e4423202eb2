import type { Command } from 'commander';
import { ApimgwError, EXIT_FAILURE } from '../../errors.ts';
import { loadConfigured } from '../../config/source.ts';
import { checkPolicies } from '../../policy/check.ts';
import { summarise } from '../../config/summary.ts';
import { colours } from '../ui/output.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface ValidateFlags extends SettingsFlags {
  json?: boolean;
}

export function registerConfigValidate(parent: Command, context: CommandContext): void {
  addSettingsOptions(parent.command('validate [path]')
    .description('check a snapshot file or APIOps folder completely; exit 1 with every error located')
    .option('--json', 'print the result as JSON on stdout'))
    .addHelpText('after', '\nExamples:\n  apimgw config validate examples/gateway.yaml\n  apimgw config validate ./apiops --set config.local.subscriptionKeys=keys.yaml\n  apimgw config validate --json ./gateway.json | jq .errors')
    .action((path: string | undefined, flags: ValidateFlags) => {
      const { settings } = settingsFrom(flags, context.io.env);
      const source = path ?? settings['config.local.path'];
      const { io } = context;
      const paint = colours(io);
      try {
        const config = loadConfigured(settings, source);
        checkPolicies(config, settings);
        const { counts } = summarise(config.snapshot);
        if (flags.json) {
          io.stdout.write(`${JSON.stringify({ valid: true, source: config.source, hash: config.hash, errors: [], warnings: config.warnings, counts }, null, 2)}\n`);
        } else {
          for (const warning of config.warnings) io.stderr.write(`${paint.yellow('warning')} ${warning}\n`);
          io.stdout.write(`${paint.green('valid')} ${config.source}: ${counts.apis} APIs (${counts.apiEntries} versions/revisions), ${counts.operations} operations, ${counts.products} products, ${counts.subscriptions} subscriptions\n`);
        }
      } catch (error) {
        if (!flags.json || !(error instanceof ApimgwError)) throw error;
        io.stdout.write(`${JSON.stringify({ valid: false, source: source ?? null, code: error.code, message: error.message, errors: error.details.length ? error.details : [error.message], hint: error.hint }, null, 2)}\n`);
        context.exitCode = EXIT_FAILURE;
      }
    });
}
