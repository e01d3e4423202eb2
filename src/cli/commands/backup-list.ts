import type { Command } from 'commander';
import { colours, table } from '../ui/output.ts';
import { addBackupOptions, backupStoreFrom, entryRow, type BackupFlags } from '../backup-options.ts';
import { EXIT_FAILURE } from '../../errors.ts';
import type { CommandContext } from '../program.ts';

export function registerBackupList(parent: Command, context: CommandContext): void {
  addBackupOptions(parent.command('list')
    .description('list the configuration backups, newest first (from the manifest; `backup verify` checks the files)'))
    .addHelpText('after', '\nExamples:\n  apimgw backup list\n  apimgw backup list --dir /apim/config --json | jq \'.entries[0].revision\'')
    .action((flags: BackupFlags) => {
      const { io } = context;
      const paint = colours(io);
      const store = backupStoreFrom(flags, io.env);
      const listing = store.list();
      if (listing.manifest === 'unparsable') context.exitCode = EXIT_FAILURE;
      if (flags.json) {
        io.stdout.write(`${JSON.stringify({ dir: store.dir, keep: store.keep, ...listing }, null, 2)}\n`);
        return;
      }
      if (listing.manifest === 'unparsable') io.stderr.write(`${paint.red('error')} manifest ${store.manifestPath} is unusable: ${listing.manifestReason}\n`);
      if (listing.entries.length === 0) {
        io.stderr.write(`no backups in ${store.dir}\n`);
      } else {
        io.stderr.write(`${listing.entries.length} backup${listing.entries.length === 1 ? '' : 's'} in ${store.dir} (keep ${store.keep}), newest first\n`);
        io.stdout.write(`${table([['REVISION', 'SAVED', 'SIZE', 'FILE', 'SOURCE'], ...listing.entries.map((entry) => [...entryRow(entry), entry.file, entry.source])], paint)}\n`);
      }
      if (listing.untracked.length) {
        io.stderr.write(`${paint.yellow('note')} not in the manifest, never loaded (\`apimgw backup restore --from <file>\` adopts one): ${listing.untracked.join(', ')}\n`);
      }
    });
}
