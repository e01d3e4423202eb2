import { Command, CommanderError } from 'commander';
import { EXIT_OK, EXIT_USAGE } from '../errors.ts';
import { VERSION } from '../version.ts';
import { registerBackupList } from './commands/backup-list.ts';
import { registerBackupRestore } from './commands/backup-restore.ts';
import { registerBackupVerify } from './commands/backup-verify.ts';
import { registerCheckConnectivity } from './commands/check-connectivity.ts';
import { registerConfigFetch } from './commands/config-fetch.ts';
import { registerConfigInspect } from './commands/config-inspect.ts';
import { registerConfigServe } from './commands/config-serve.ts';
import { registerConfigValidate } from './commands/config-validate.ts';
import { registerRun } from './commands/run.ts';
import { registerTokenCreate } from './commands/token-create.ts';
import { registerTokenInspect } from './commands/token-inspect.ts';
import { registerTokenRenew } from './commands/token-renew.ts';
import { reportError } from './ui/errors.ts';
import type { Io } from './ui/output.ts';

export interface CommandContext {
  io: Io;
  /** Set by a command that finished but must report failure (exit 1) without an error message of its own. */
  exitCode: number;
}

function buildProgram(context: CommandContext): Command {
  const program = new Command('apimgw')
    .description('Self-hosted API gateway compatible with Azure API Management')
    .version(VERSION, '-v, --version', 'print the version')
    .option('--debug', 'print stack traces with errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => context.io.stdout.write(text),
      writeErr: (text) => context.io.stderr.write(text),
    })
    .addHelpText('after', `
Examples:
  apimgw run                                  serve the embedded example config on :8080
  apimgw run --config ./apiops --workers 2    serve an APIOps extractor folder
  apimgw config validate gateway.yaml         check a config; exit 1 with located errors
  apimgw config inspect gateway.yaml --json   what a config holds, as JSON
  apimgw config serve --dir ./apiops          a management plane for federated gateways
  apimgw token inspect --file gw1.token       a gateway token's expiry and days left
  apimgw check-connectivity --env-file env.conf   can this machine reach the management plane, backends, Redis…

Exit codes: 0 ok, 1 the check failed or the gateway could not run, 2 usage or settings error.
Documentation: docs/settings.md, docs/configuration.md, docs/policies.md, docs/errors.md`);
  registerRun(program, context);
  const config = program.command('config').description('validate, inspect, fetch and serve configuration');
  registerConfigValidate(config, context);
  registerConfigInspect(config, context);
  registerConfigFetch(config, context);
  registerConfigServe(config, context);
  const backup = program.command('backup').description('list, verify and restore configuration backups (config.backup.dir)');
  registerBackupList(backup, context);
  registerBackupVerify(backup, context);
  registerBackupRestore(backup, context);
  const token = program.command('token').description('create, inspect and renew gateway tokens');
  registerTokenCreate(token, context);
  registerTokenInspect(token, context);
  registerTokenRenew(token, context);
  registerCheckConnectivity(program, context);
  for (const command of [program, ...program.commands, ...config.commands, ...backup.commands, ...token.commands]) command.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Runs the CLI against the given process-like object and resolves with the exit code. */
export async function main(proc: { argv: string[]; env: NodeJS.ProcessEnv; stdout: Io['stdout']; stderr: Io['stderr'] }): Promise<number> {
  const context: CommandContext = { io: { stdout: proc.stdout, stderr: proc.stderr, env: proc.env }, exitCode: EXIT_OK };
  const program = buildProgram(context);
  try {
    await program.parseAsync(proc.argv, { from: 'user' });
    return context.exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help' ? EXIT_OK : EXIT_USAGE;
    }
    return reportError(error, context.io, proc.argv.includes('--debug'));
  }
}
