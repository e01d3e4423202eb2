import path from 'node:path';
import type { Command } from 'commander';
import { colours } from '../ui/output.ts';
import { addBackupOptions, backupStoreFrom, type BackupFlags } from '../backup-options.ts';
import type { CommandContext } from '../program.ts';

interface RestoreFlags extends BackupFlags {
  from?: string;
  revision?: string;
}

export function registerBackupRestore(parent: Command, context: CommandContext): void {
  const command = addBackupOptions(parent.command('restore')
    .description('make a snapshot the newest backup, which a start without the management plane loads: seed from a file (`config fetch` output) or re-pin a kept revision')
    .option('--from <file>', 'snapshot file to seed the backup directory with (YAML or JSON, validated first)')
    .option('--revision <revision>', 'kept revision to make the newest again (the newest copy that verifies)'))
    .addHelpText('after', '\nExamples:\n  apimgw backup restore --from fetched.json --dir /apim/config\n  apimgw backup restore --revision 41');
  command.action(async (flags: RestoreFlags) => {
    if ((flags.from === undefined) === (flags.revision === undefined)) command.error('error: give exactly one of --from <file> or --revision <revision>');
    const { io } = context;
    const paint = colours(io);
    const store = backupStoreFrom(flags, io.env);
    const newestBefore = store.list().entries[0]?.file;
    const entry = await store.restore(flags.from !== undefined ? { file: flags.from } : { revision: flags.revision! });
    const file = path.join(store.dir, entry.file);
    if (flags.json) {
      io.stdout.write(`${JSON.stringify({ dir: store.dir, written: entry.file !== newestBefore, entry: { ...entry, path: file } }, null, 2)}\n`);
      return;
    }
    io.stderr.write(entry.file === newestBefore
      ? `revision ${entry.revision ?? '-'} is already the newest backup; nothing written\n`
      : `${paint.green('restored')} revision ${entry.revision ?? '-'} is now the newest backup in ${store.dir}\n`);
    io.stdout.write(`${file}\n`);
  });
}
