import type { Command } from 'commander';
import { createToken, parseToken, type ParsedToken } from '../../token/format.ts';
import { expiryFrom, parseKeyType, readKey } from '../../token/options.ts';
import { requestToken } from '../../token/request.ts';
import { ApimgwError } from '../../errors.ts';
import { armGatewayTokens, readRotationKey, writeRotationKey } from '../../config/arm/gateway-token.ts';
import { armAuth, armTarget } from '../../config/arm/settings.ts';
import { describeSummary, summariseToken } from '../../token/summary.ts';
import { readTokenFile, writeTokenFile } from '../../token/token-file.ts';
import { colours } from '../ui/output.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface RenewFlags extends SettingsFlags {
  file?: string;
  key?: string;
  keyType?: string;
  gateway?: string;
  expiry?: string;
  fromEndpoint?: boolean;
  fromArm?: boolean;
  rotate?: boolean;
  endpoint?: string;
  json?: boolean;
}

/** The token now in the file, when there is a readable one: renewing from a key does not need it. */
function currentToken(file: string): ParsedToken | undefined {
  try {
    return readTokenFile(file).token;
  } catch {
    return undefined;
  }
}

export function registerTokenRenew(parent: Command, context: CommandContext): void {
  addSettingsOptions(parent.command('renew')
    .description('write a fresh token to the token file (atomically, 0600), signed with a key or issued by the management plane')
    .option('--file <file>', 'the token file to replace (default: config.service.auth.tokenFile)')
    .option('--key <key|@file>', 'sign locally with this gateway key, or @file holding it (or a `config serve` keys file)')
    .option('--gateway <id>', 'the gateway (default: the one in the current token file)')
    .option('--key-type <primary|secondary>', 'with --key: which key of a keys file; with --from-endpoint: which key the management plane signs with (default: the current token\'s)')
    .option('--expiry <when>', '<n>d, <n>h, <n>m from now or an ISO date; at most 30 days (default 30d)')
    .option('--from-endpoint', 'ask the management plane for a token, authenticated with the current one')
    .option('--endpoint <url>', 'the management plane (default: config.service.endpoint)')
    .option('--from-arm', 'ask Azure API Management for a token through ARM (generateToken on gateway.name of config.arm.serviceResourceId)')
    .option('--rotate', 'with --from-arm: issue the token with the other key, then regenerate the key the previous token used (alternates on every run; which key is in use is kept in <file>.rotation.json)')
    .option('--json', 'print a summary as JSON on stdout (never the token)'))
    .addHelpText('after', '\nExamples:\n  apimgw token renew --file /etc/apimgw/token --key @/etc/apimgw/primary.key\n  apimgw token renew --file /etc/apimgw/token --from-endpoint --endpoint http://mgmt:8081\n  apimgw token renew --env-file /etc/apimgw/env.conf --from-endpoint\n  apimgw token renew --env-file /etc/apimgw/arm.env --from-arm --rotate --file /etc/apimgw/token\n\nA running gateway picks the new token up at its next poll, without a restart.')
    .action(async function (this: Command, flags: RenewFlags) {
      if ([flags.key, flags.fromEndpoint, flags.fromArm].filter(Boolean).length !== 1) this.error('error: give one of --key <key|@file>, --from-endpoint or --from-arm');
      if (flags.rotate && !flags.fromArm) this.error('error: --rotate needs --from-arm (only Azure API Management can regenerate the keys)');
      const { settings } = settingsFrom(flags, context.io.env, { 'config.service.endpoint': flags.endpoint });
      const file = flags.file ?? settings['config.service.auth.tokenFile'];
      if (file === undefined) this.error('error: give --file <token file> (or set config.service.auth.tokenFile)');
      const now = new Date();
      let token: string;
      let keyType = flags.keyType === undefined ? undefined : parseKeyType(flags.keyType);
      let rotated: string | undefined;
      if (flags.fromArm) {
        armAuth(settings);
        const target = armTarget(settings);
        if (flags.gateway !== undefined && flags.gateway !== target.gateway) this.error(`error: --gateway "${flags.gateway}" differs from gateway.name "${target.gateway}"`);
        if (flags.rotate && keyType !== undefined) this.error('error: --rotate chooses the key itself; leave out --key-type');
        const expiry = expiryFrom(flags.expiry, now);
        const previous = flags.rotate ? readRotationKey(file) : undefined;
        const arm = await armGatewayTokens(settings);
        if (previous !== undefined) {
          // The documented order: the token moves to the other key first, the key it left is regenerated after.
          keyType = previous === 'primary' ? 'secondary' : 'primary';
          token = await arm.generate(keyType, expiry);
          await writeTokenFile(file, token);
          await writeRotationKey(file, keyType);
          try {
            await arm.regenerate(previous);
          } catch (error) {
            // The new token is in place and valid; only the old key lives on. The next run regenerates the other key instead.
            if (error instanceof ApimgwError) throw new ApimgwError(error.code, `${file} was renewed (${keyType} key) but ${error.message}`, { hint: error.hint });
            throw error;
          }
          rotated = previous;
        } else {
          keyType ??= 'primary';
          token = await arm.generate(keyType, expiry);
        }
      } else if (flags.fromEndpoint) {
        const current = readTokenFile(file).token;
        if (flags.gateway !== undefined && flags.gateway !== current.gatewayId) this.error(`error: the token in ${file} is for gateway "${current.gatewayId}", not "${flags.gateway}"`);
        const endpoint = settings['config.service.endpoint'];
        if (endpoint === undefined) this.error('error: give --endpoint <url> (or set config.service.endpoint)');
        token = await requestToken({
          endpoint,
          current,
          ...(keyType ? { keyType } : {}),
          ...(flags.expiry !== undefined ? { expiry: expiryFrom(flags.expiry, now) } : {}),
          timeoutMs: settings['config.service.integration.timeout'] * 1000,
          disableCertificateValidation: settings['config.service.endpoint.disableCertificateValidation'],
        });
      } else {
        const gateway = flags.gateway ?? currentToken(file)?.gatewayId;
        if (gateway === undefined) this.error(`error: give --gateway <id>: ${file} holds no readable token to take it from`);
        keyType ??= 'primary';
        token = createToken(gateway, readKey(flags.key, gateway, keyType), expiryFrom(flags.expiry, now), now);
      }
      if (rotated === undefined) await writeTokenFile(file, token);
      const summary = summariseToken(parseToken(token), now, { ...(flags.key || flags.fromArm ? { keyType } : {}), file });
      const { io } = context;
      io.stderr.write(`${colours(io).green('renewed')} ${file}: ${describeSummary(summary)}${rotated ? `; the ${rotated} key was regenerated` : ''}\n`);
      if (flags.json) io.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    });
}
