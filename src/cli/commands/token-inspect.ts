import type { Command } from 'commander';
import { ApimgwError, EXIT_FAILURE } from '../../errors.ts';
import { parseToken, TokenFormatError, type ParsedToken } from '../../token/format.ts';
import { summariseToken, type TokenSummary } from '../../token/summary.ts';
import { readTokenFile } from '../../token/token-file.ts';
import { colours } from '../ui/output.ts';
import type { CommandContext } from '../program.ts';

interface InspectFlags {
  file?: string;
  json?: boolean;
}

function humanReport(summary: TokenSummary, paint: ReturnType<typeof colours>): string {
  const status = summary.expired ? paint.red(`expired ${(-summary.daysLeft).toFixed(1)} days ago`) : `valid for ${summary.daysLeft.toFixed(1)} more days`;
  return [
    `gateway    ${summary.gateway}`,
    `expiry     ${summary.expiry}`,
    `days left  ${summary.daysLeft.toFixed(1)}`,
    `expired    ${summary.expired ? 'yes' : 'no'} (${status})`,
    `signature  ${summary.signature} (HMAC-SHA512; shortened)`,
    ...(summary.file ? [`file       ${summary.file}`] : []),
  ].join('\n');
}

export function registerTokenInspect(parent: Command, context: CommandContext): void {
  parent.command('inspect [token]')
    .description('show a token\'s gateway, expiry and days left (never its signature); exit 1 when expired')
    .option('--file <file>', 'read the token from this file (e.g. config.service.auth.tokenFile)')
    .option('--json', 'print the result as JSON on stdout')
    .addHelpText('after', '\nExamples:\n  apimgw token inspect --file /etc/apimgw/token\n  apimgw token inspect --json "$(cat token)" | jq .daysLeft\n\nThe signature is shown as its first 4 characters only; the key cannot be checked here.')
    .action(function (this: Command, text: string | undefined, flags: InspectFlags) {
      if ((text === undefined) === (flags.file === undefined)) this.error('error: give either a token or --file <file>');
      const { io } = context;
      let token: ParsedToken;
      const warnings: string[] = [];
      if (flags.file !== undefined) {
        const content = readTokenFile(flags.file);
        token = content.token;
        warnings.push(...content.warnings);
      } else {
        try {
          token = parseToken(text!);
        } catch (error) {
          if (error instanceof TokenFormatError) throw new ApimgwError('APIMGW_E_TOKEN_INVALID', `not a gateway token: ${error.message}`);
          throw error;
        }
      }
      const summary = summariseToken(token, new Date(), flags.file ? { file: flags.file } : {});
      const paint = colours(io);
      for (const warning of warnings) io.stderr.write(`${paint.yellow('warning')} ${warning}\n`);
      io.stdout.write(flags.json ? `${JSON.stringify({ ...summary, warnings }, null, 2)}\n` : `${humanReport(summary, paint)}\n`);
      if (summary.expired) {
        if (!flags.json) io.stderr.write(`${paint.red('error')} the token has expired\n${paint.yellow('hint')} renew it: apimgw token renew --file <token file> (--key @<key file> | --from-endpoint)\n`);
        context.exitCode = EXIT_FAILURE;
      }
    });
}
