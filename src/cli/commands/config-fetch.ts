import type { Command } from 'commander';
import { ApimgwError } from '../../errors.ts';
import { writeFileAtomic } from '../../fsutil/atomic-write.ts';
import { summarise } from '../../config/summary.ts';
import { createConfigClient } from '../../config/sync/federation.ts';
import { loadSnapshotJson } from '../../config/sync/snapshot.ts';
import { TokenSource } from '../../config/sync/token-source.ts';
import { colours } from '../ui/output.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface FetchFlags extends SettingsFlags {
  output?: string;
  json?: boolean;
}

export function registerConfigFetch(parent: Command, context: CommandContext): void {
  addSettingsOptions(parent.command('fetch')
    .description('pull the configuration snapshot from the management plane (config.service.endpoint) once, validate it, and write it to a file or stdout')
    .option('-o, --output <file>', 'write the snapshot to this file (atomically, mode 0600: it holds subscription keys) instead of stdout')
    .option('--json', 'print a summary (endpoint, revision, hash, counts) as JSON on stdout instead of the snapshot; with --output the snapshot still goes to the file'))
    .addHelpText('after', `
Examples:
  apimgw config fetch --env-file /etc/apimgw/env.conf --output snapshot.json
  apimgw config fetch --set config.service.endpoint=http://127.0.0.1:4000 --set config.service.auth.tokenFile=gw1.token --set gateway.name=gw1 --json
  apimgw config inspect snapshot.json`)
    .action(async (flags: FetchFlags) => {
      const { settings } = settingsFrom(flags, context.io.env);
      if (settings['config.service.endpoint'] === undefined) {
        throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', 'config.service.endpoint is not set: there is no management plane to fetch from', {
          hint: 'Set it in the env file or with --set config.service.endpoint=https://<host>, together with config.service.auth.tokenFile and gateway.name.',
        });
      }
      const { io } = context;
      const warn = (message: string) => io.stderr.write(`${colours(io).yellow('warning')} ${message}\n`);
      const client = createConfigClient(settings, new TokenSource(settings, warn));
      let result;
      try {
        result = await client.fetchConfiguration();
      } finally {
        await client.close();
      }
      if (result.kind !== 'changed') throw new ApimgwError('APIMGW_E_SYNC_FAILED', `${client.configurationUrl} answered 304 to a request without If-None-Match`);
      // A snapshot the gateway would refuse is not worth keeping: the same checks as `apimgw run`.
      const config = loadSnapshotJson(result.body, client.configurationUrl, settings);
      for (const warning of config.warnings) warn(warning);
      // Written as fetched (the management plane's JSON), pretty-printed so a diff between two fetches reads well.
      const text = `${JSON.stringify(JSON.parse(result.body), null, 2)}\n`;
      if (flags.output !== undefined) {
        await writeFileAtomic(flags.output, text, { mode: 0o600 });
      } else if (!flags.json) {
        io.stdout.write(text);
      }
      const { revision, counts } = summarise(config.snapshot);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ endpoint: client.configurationUrl, output: flags.output ?? null, revision: revision ?? null, hash: config.hash, etag: result.etag ?? null, counts }, null, 2)}\n`);
      } else {
        io.stderr.write(`fetched revision ${revision ?? '-'} (${counts.apis} APIs, ${counts.operations} operations) from ${client.configurationUrl}${flags.output ? ` into ${flags.output}` : ''}\n`);
      }
    });
}
