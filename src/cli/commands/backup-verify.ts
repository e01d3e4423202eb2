import type { Command } from 'commander';
import { colours, table } from '../ui/output.ts';
import { addBackupOptions, backupStoreFrom, entryRow, type BackupFlags } from '../backup-options.ts';
import { EXIT_FAILURE } from '../../errors.ts';
import type { CommandContext } from '../program.ts';

export function registerBackupVerify(parent: Command, context: CommandContext): void {
  addBackupOptions(parent.command('verify')
    .description('check every backup (size, SHA-256, valid snapshot) and name the one a start without the management plane would load; exit 1 when one is bad'))
    .addHelpText('after', '\nExamples:\n  apimgw backup verify\n  apimgw backup verify --dir /apim/config --json | jq \'.entries[] | select(.status != "ok")\'')
    .action((flags: BackupFlags) => {
      const { io } = context;
      const paint = colours(io);
      const store = backupStoreFrom(flags, io.env);
      const report = store.verify();
      const bad = report.checks.filter((check) => check.status !== 'ok');
      const newestValid = report.checks.find((check) => check.status === 'ok');
      if (bad.length > 0 || report.manifest === 'unparsable') context.exitCode = EXIT_FAILURE;
      if (flags.json) {
        const entries = report.checks.map(({ entry, path, status, reason }) => ({ ...entry, path, status, reason }));
        io.stdout.write(`${JSON.stringify({
          dir: store.dir, ok: context.exitCode === 0, manifest: report.manifest, manifestReason: report.manifestReason,
          entries, untracked: report.untracked, newestValid: newestValid?.path ?? null,
        }, null, 2)}\n`);
        return;
      }
      if (report.manifest === 'unparsable') io.stderr.write(`${paint.red('error')} manifest ${store.manifestPath} is unusable: ${report.manifestReason}\n`);
      if (report.checks.length === 0) {
        io.stderr.write(`no backups in ${store.dir}\n`);
        return;
      }
      const rows = report.checks.map((check) => [check.status === 'ok' ? 'ok' : check.status, ...entryRow(check.entry), check.entry.file, check.reason]);
      io.stdout.write(`${table([['STATUS', 'REVISION', 'SAVED', 'SIZE', 'FILE', 'REASON'], ...rows], paint)}\n`);
      const summary = `${report.checks.length - bad.length} of ${report.checks.length} backups verify`;
      io.stderr.write(newestValid
        ? `${bad.length ? paint.yellow(summary) : paint.green(summary)}; a start without the management plane loads revision ${newestValid.entry.revision ?? '-'} (${newestValid.entry.file})\n`
        : `${paint.red(summary)}; a start without the management plane has no backup to load\n`);
    });
}
