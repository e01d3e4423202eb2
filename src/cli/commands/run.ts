import type { Command } from 'commander';
import { loadConfigured } from '../../config/source.ts';
import { createConfigSync, isFederated } from '../../config/sync/federation.ts';
import { checkPolicies } from '../../policy/check.ts';
import { redactedSettings } from '../../settings/load.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { runGateway } from '../../runtime/primary.ts';
import { checkTelemetrySettings } from '../../telemetry/worker-telemetry.ts';
import { addSettingsOptions, settingsFrom, settingsHelp, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface RunFlags extends SettingsFlags {
  config?: string;
  port?: string;
  adminPort?: string;
  workers?: string;
}

export function registerRun(program: Command, context: CommandContext): void {
  const command = program.command('run')
    .description('start the gateway in the foreground (SIGTERM drains in-flight requests, SIGHUP reloads the local config or polls the management plane)')
    .option('-c, --config <path>', 'YAML/JSON snapshot or APIOps folder (setting config.local.path)')
    .option('-p, --port <port>', 'HTTP data port (setting net.server.http.port)')
    .option('--admin-port <port>', 'admin listener port (setting admin.port)')
    .option('-w, --workers <n>', 'worker processes (setting runtime.workers)');
  addSettingsOptions(command)
    .addHelpText('after', `\nExamples:\n  apimgw run                                   serve the embedded example config\n  apimgw run --config examples/gateway.yaml --port 8080\n  apimgw run --env-file /etc/apimgw/env.conf\n  apimgw run --set config.service.endpoint=https://mp:4000 --set config.service.auth.tokenFile=./token\n  CONFIG_LOCAL_PATH=./apiops apimgw run --workers 2\n${settingsHelp()}`)
    .action(async (flags: RunFlags) => {
      const { settings } = settingsFrom(flags, context.io.env, {
        'config.local.path': flags.config,
        'net.server.http.port': flags.port,
        'admin.port': flags.adminPort,
        'runtime.workers': flags.workers,
      });
      checkTelemetrySettings(settings);
      const logger = createLogger(settings, { pid: process.pid });
      // Policies are compiled here too, so a bad one stops start-up (or is refused on SIGHUP) instead of failing in the workers.
      const readConfig = () => {
        const loaded = loadConfigured(settings);
        checkPolicies(loaded, settings);
        return loaded;
      };
      if (isFederated(settings)) {
        logger.info({ settings: redactedSettings(settings) }, 'settings');
        const feed = createConfigSync(settings, logger);
        const config = await feed.initial().catch(async (error: unknown) => {
          await feed.stop();
          throw error;
        });
        context.exitCode = await runGateway({ settings, logger, config, feed });
        logger.flush();
        return;
      }
      const config = readConfig();
      if (settings['config.local.path'] === undefined) logger.warn('no config.local.path set: serving the embedded example configuration');
      for (const warning of config.warnings) logger.warn({ source: config.source }, warning);
      logger.info({ settings: redactedSettings(settings) }, 'settings');
      context.exitCode = await runGateway({ settings, logger, config, reload: readConfig });
      logger.flush();
    });
}
