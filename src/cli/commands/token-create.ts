import type { Command } from 'commander';
import { createToken, parseToken } from '../../token/format.ts';
import { expiryFrom, parseKeyType, readKey } from '../../token/options.ts';
import { describeSummary, summariseToken } from '../../token/summary.ts';
import { writeTokenFile } from '../../token/token-file.ts';
import { colours } from '../ui/output.ts';
import type { CommandContext } from '../program.ts';

interface CreateFlags {
  gateway: string;
  key?: string;
  keyType?: string;
  expiry?: string;
  output?: string;
  json?: boolean;
}

export function registerTokenCreate(parent: Command, context: CommandContext): void {
  parent.command('create')
    .description('sign a gateway token locally with the gateway\'s key (at most 30 days)')
    .requiredOption('--gateway <id>', 'the gateway the token is for')
    .option('--key <key|@file>', 'the gateway key, or @file holding it (or a `config serve` keys file)')
    .option('--key-type <primary|secondary>', 'which key to take from a keys file, and the key reported as used', 'primary')
    .option('--expiry <when>', '<n>d, <n>h, <n>m from now or an ISO date (UTC unless zoned); at most 30 days', '30d')
    .option('--output <file>', 'write the token to this file (atomically, mode 0600) instead of stdout')
    .option('--json', 'print a summary as JSON on stdout (with the token only when no --output is given)')
    .addHelpText('after', '\nExamples:\n  apimgw token create --gateway gw1 --key @primary.key > token\n  apimgw token create --gateway gw1 --key @keys.json --key-type secondary --expiry 7d --output /etc/apimgw/token\n\nThe key is never printed. Prefer --key @file: a key on the command line is visible to other users in the process list.')
    .action(async (flags: CreateFlags) => {
      const now = new Date();
      const keyType = parseKeyType(flags.keyType);
      const key = readKey(flags.key, flags.gateway, keyType);
      const expiry = expiryFrom(flags.expiry, now);
      const token = createToken(flags.gateway, key, expiry, now);
      const summary = summariseToken(parseToken(token), now, { keyType, ...(flags.output ? { file: flags.output } : {}) });
      const { io } = context;
      if (flags.output) {
        await writeTokenFile(flags.output, token);
        io.stderr.write(`${colours(io).green('wrote')} ${flags.output}: ${describeSummary(summary)}\n`);
      } else {
        io.stderr.write(`token for ${describeSummary(summary)}\n`);
      }
      if (flags.json) io.stdout.write(`${JSON.stringify(flags.output ? summary : { ...summary, token }, null, 2)}\n`);
      else if (!flags.output) io.stdout.write(`${token}\n`);
    });
}
