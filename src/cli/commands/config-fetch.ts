import type { Command } from 'commander';
import { writeFileAtomic } from '../../fsutil/atomic-write.ts';
import { summarise } from '../../config/summary.ts';
import { fetchSnapshotOnce } from '../../config/sync/fetch-once.ts';
import { fetchSnapshotFromArm } from '../../config/arm/fetch-once.ts';
import { isArmMode } from '../../config/arm/settings.ts';
import { colours } from '../ui/output.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface FetchFlags extends SettingsFlags {
  from?: string;
  output?: string;
  json?: boolean;
}

export function registerConfigFetch(parent: Command, context: CommandContext): void {
  addSettingsOptions(parent.command('fetch')
    .description('pull the configuration snapshot from the management plane (config.service.endpoint) or build it from Azure API Management through ARM (config.arm.serviceResourceId) once, validate it, and write it to a file or stdout')
    .option('--from <endpoint|arm>', 'where from: the management plane, or ARM (default: arm when config.arm.serviceResourceId is set)')
    .option('-o, --output <file>', 'write the snapshot to this file (atomically, mode 0600: it holds subscription keys) instead of stdout')
    .option('--json', 'print a summary (endpoint, revision, hash, counts) as JSON on stdout instead of the snapshot; with --output the snapshot still goes to the file'))
    .addHelpText('after', `
Examples:
  apimgw config fetch --env-file /etc/apimgw/env.conf --output snapshot.json
  apimgw config fetch --set config.service.endpoint=http://127.0.0.1:4000 --set config.service.auth.tokenFile=gw1.token --set gateway.name=gw1 --json
  apimgw config fetch --from arm --env-file /etc/apimgw/arm.env --output snapshot.json
  apimgw config inspect snapshot.json`)
    .action(async function (this: Command, flags: FetchFlags) {
      const { settings } = settingsFrom(flags, context.io.env);
      const from = flags.from ?? (isArmMode(settings) ? 'arm' : 'endpoint');
      if (from !== 'arm' && from !== 'endpoint') this.error(`error: --from must be endpoint or arm, not "${from}"`);
      const { io } = context;
      const warn = (message: string) => io.stderr.write(`${colours(io).yellow('warning')} ${message}\n`);
      // A snapshot the gateway would refuse is not worth keeping: the same checks as `apimgw run`.
      const fromArm = from === 'arm' ? await fetchSnapshotFromArm(settings) : undefined;
      const { config, body, etag, url } = fromArm ?? await fetchSnapshotOnce(settings, warn);
      // What one sync costs of the principal's ARM read budget.
      const arm = fromArm ? { armCalls: fromArm.armCalls, armThrottled: fromArm.armThrottled } : {};
      for (const warning of config.warnings) warn(warning);
      // Written as fetched (the management plane's JSON), pretty-printed so a diff between two fetches reads well.
      const text = `${JSON.stringify(JSON.parse(body), null, 2)}\n`;
      if (flags.output !== undefined) {
        await writeFileAtomic(flags.output, text, { mode: 0o600 });
      } else if (!flags.json) {
        io.stdout.write(text);
      }
      const { revision, counts } = summarise(config.snapshot);
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ endpoint: url, output: flags.output ?? null, revision: revision ?? null, hash: config.hash, etag: etag ?? null, counts, ...arm }, null, 2)}\n`);
      } else {
        io.stderr.write(`fetched revision ${revision ?? '-'} (${counts.apis} APIs, ${counts.operations} operations) from ${url}${flags.output ? ` into ${flags.output}` : ''}${'armCalls' in arm ? ` in ${arm.armCalls} ARM calls` : ''}\n`);
      }
    });
}
