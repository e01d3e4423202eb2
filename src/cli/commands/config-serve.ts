import path from 'node:path';
import { once } from 'node:events';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { ApimgwError } from '../../errors.ts';
import { KeyStore } from '../../config/serve/keys.ts';
import { DEFAULT_SERVE_HOST, DEFAULT_SERVE_PORT, startManagementServer } from '../../config/serve/server.ts';
import { createLogger } from '../../telemetry/logger.ts';
import { createToken, MAX_TOKEN_LIFETIME_MS, parseToken, type KeyType } from '../../token/format.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface ServeFlags extends SettingsFlags {
  dir: string;
  port: number;
  host: string;
  gateway?: string[];
  keys?: string;
  printToken?: string;
  keyType: KeyType;
  regenerateKey?: KeyType;
  json?: boolean;
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65535) throw new InvalidArgumentError('a port is an integer from 0 to 65535');
  return number;
}

/** Beside the config, never inside it: an APIOps folder is often a git checkout, and keys do not belong in git. */
function defaultKeysFile(configPath: string): string {
  const resolved = path.resolve(configPath);
  return path.join(path.dirname(resolved), `${path.basename(resolved)}.keys.json`);
}

async function printToken(flags: ServeFlags, keysFile: string, gateway: string, context: CommandContext): Promise<void> {
  const keys = await KeyStore.open(keysFile);
  await keys.ensure([gateway]);
  const now = new Date();
  const value = createToken(gateway, keys.get(gateway)![flags.keyType], new Date(now.getTime() + MAX_TOKEN_LIFETIME_MS), now);
  const expiry = parseToken(value).expiry.toISOString();
  if (flags.json) context.io.stdout.write(`${JSON.stringify({ gateway, keyType: flags.keyType, expiry, value })}\n`);
  else {
    context.io.stdout.write(`${value}\n`);
    context.io.stderr.write(`token for gateway "${gateway}", ${flags.keyType} key, expires ${expiry} (keys in ${keysFile})\n`);
  }
}

async function regenerateKey(keysFile: string, gateways: readonly string[], kind: KeyType, context: CommandContext): Promise<void> {
  if (gateways.length !== 1) throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', '--regenerate-key needs exactly one --gateway', { hint: 'apimgw config serve --dir <config> --gateway <name> --regenerate-key secondary' });
  const keys = await KeyStore.open(keysFile);
  await keys.regenerate(gateways[0]!, kind);
  context.io.stderr.write(`regenerated the ${kind} key of gateway "${gateways[0]}" in ${keysFile}: its tokens are refused from now on (a running config serve re-reads the file)\n`);
}

export function registerConfigServe(parent: Command, context: CommandContext): void {
  addSettingsOptions(parent.command('serve')
    .description('reference management plane: serve a config file or APIOps folder to gateways over HTTP (GatewayKey tokens, ETag, heartbeats)')
    .requiredOption('--dir <path>', 'the configuration to serve: a YAML/JSON snapshot file or an APIOps extractor folder')
    .option('--port <port>', 'port to listen on (0 = any free port)', port, DEFAULT_SERVE_PORT)
    .option('--host <address>', 'address to listen on', DEFAULT_SERVE_HOST)
    .option('--gateway <name...>', 'serve only these gateways (keys are created for them); default: every gateway in the keys file plus those the config declares')
    .option('--keys <file>', 'gateway keys file, 0600 JSON, created when missing (default: <dir>.keys.json beside the config)')
    .option('--print-token <gateway>', 'print a 30-day token for the gateway (creating its keys if needed) and exit')
    .addOption(new Option('--key-type <type>', 'key that signs --print-token').choices(['primary', 'secondary']).default('primary'))
    .addOption(new Option('--regenerate-key <type>', 'replace one key of --gateway in the keys file and exit; its tokens stop working').choices(['primary', 'secondary']))
    .option('--json', 'with --print-token: print {gateway, keyType, expiry, value}'))
    .addHelpText('after', `
Endpoints (Authorization: GatewayKey <token> on each):
  GET  /gateways/{g}/configuration             snapshot JSON, ETag; If-None-Match → 304
  POST /gateways/{g}/heartbeat                 204; GET /gateways/{g}/instances lists them
  POST /gateways/{g}/token                     a fresh token for the caller
  POST /gateways/{g}/keys/{primary|secondary}/regenerate   needs a token of the other key

Examples:
  apimgw config serve --dir ./apiops --gateway gw1
  apimgw config serve --dir ./apiops --print-token gw1 > gw1.token
  apimgw config serve --dir ./apiops --gateway gw1 --regenerate-key secondary`)
    .action(async (flags: ServeFlags) => {
      const { settings } = settingsFrom(flags, context.io.env);
      const keysFile = flags.keys ?? defaultKeysFile(flags.dir);
      const gateways = flags.gateway ?? [];
      if (flags.printToken !== undefined) return printToken(flags, keysFile, flags.printToken, context);
      if (flags.regenerateKey !== undefined) return regenerateKey(keysFile, gateways, flags.regenerateKey, context);

      const logger = createLogger(settings, { pid: process.pid });
      const server = await startManagementServer({ configPath: flags.dir, keysFile, gateways, host: flags.host, port: flags.port, settings, logger });
      logger.info({ url: server.url, port: server.port, config: flags.dir, keysFile, gateways: server.keys.gateways() }, 'apimgw config serve listening');
      const reload = () => void server.reload();
      process.on('SIGHUP', reload);
      const signal = await Promise.race([once(process, 'SIGTERM'), once(process, 'SIGINT')]);
      process.off('SIGHUP', reload);
      logger.info({ signal: signal[0] }, 'management plane stopping');
      await server.close();
      logger.flush();
    });
}
