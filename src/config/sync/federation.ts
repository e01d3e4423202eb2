import type { Dispatcher } from 'undici';
import { ApimgwError } from '../../errors.ts';
import { checkPolicies } from '../../policy/check.ts';
import type { Settings } from '../../settings/schema.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { VERSION } from '../../version.ts';
import { backupDirFromSettings } from '../backup/location.ts';
import { BackupStore } from '../backup/store.ts';
import { ArmConfigClient } from '../arm/source.ts';
import { armAuth, checkArmExclusive, isArmMode } from '../arm/settings.ts';
import { ConfigClient } from './client.ts';
import { loadSnapshotJson } from './snapshot.ts';
import { ConfigSync, type SnapshotBackups } from './sync.ts';
import { TokenSource } from './token-source.ts';

/**
 * Whether the configuration comes from the management plane
 * (config.service.endpoint) or from a local file; both at once is a settings
 * error, because an operator who set both cannot have meant both.
 */
export function isFederated(settings: Settings): boolean {
  if (isArmMode(settings)) {
    checkArmExclusive(settings);
    armAuth(settings);
    return true;
  }
  const endpoint = settings['config.service.endpoint'];
  if (endpoint === undefined) return false;
  if (settings['config.local.path'] !== undefined) {
    throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', `config.service.endpoint (${endpoint}) and config.local.path (${settings['config.local.path']}) are both set`, {
      hint: 'Unset one: config.service.endpoint syncs from a management plane, config.local.path serves a local file or folder. To try a fetched snapshot locally, `apimgw config fetch --output file` then run with --config file.',
    });
  }
  if (settings['config.service.auth'] === undefined && settings['config.service.auth.tokenFile'] === undefined) {
    throw new ApimgwError('APIMGW_E_SETTINGS_INVALID', 'config.service.endpoint is set but no gateway token is: set config.service.auth.tokenFile (or config.service.auth)', {
      hint: 'Create a token with `apimgw token create --gateway <name> --key @keyfile > token` and set config.service.auth.tokenFile=token.',
    });
  }
  return true;
}

/** A client for the management plane the settings name, with the token source they name. */
export function createConfigClient(settings: Settings, token: TokenSource, dispatcher?: Dispatcher): ConfigClient {
  return new ConfigClient({
    endpoint: settings['config.service.endpoint']!,
    gatewayName: settings['gateway.name'],
    authorization: () => token.authorization(),
    timeoutSeconds: settings['config.service.integration.timeout'],
    disableCertificateValidation: settings['config.service.endpoint.disableCertificateValidation'],
    userAgent: `apimgw/${VERSION}`,
    ...(dispatcher ? { dispatcher } : {}),
  });
}

function backupsFor(settings: Settings, logger: Logger, origin: string): SnapshotBackups {
  const store = BackupStore.open(backupDirFromSettings(settings), settings['config.backup.keep']);
  return {
    save: async (config) => {
      await store.save(config, origin);
    },
    newest: () => {
      const config = store.loadNewestValid((message) => logger.warn({ dir: store.dir }, message));
      // Backups hold snapshots that were applied, so their policies compiled then; a newer apimgw may still refuse one.
      if (config) checkPolicies(config, settings);
      return config;
    },
  };
}

export function createConfigSync(settings: Settings, logger: Logger): ConfigSync {
  if (isArmMode(settings)) {
    const client = new ArmConfigClient(settings);
    return new ConfigSync({
      client,
      token: undefined,
      backups: backupsFor(settings, logger, client.target.url),
      validate: (body, source) => loadSnapshotJson(body, source, settings),
      logger,
      pollIntervalSeconds: settings['config.arm.poll.interval'],
      heartbeatIntervalSeconds: settings['config.service.heartbeat.interval'],
    });
  }
  const token = new TokenSource(settings, (message) => logger.warn(message));
  return new ConfigSync({
    client: createConfigClient(settings, token),
    token,
    backups: backupsFor(settings, logger, settings['config.service.endpoint']!),
    validate: (body, source) => loadSnapshotJson(body, source, settings),
    logger,
    pollIntervalSeconds: settings['config.service.poll.interval'],
    heartbeatIntervalSeconds: settings['config.service.heartbeat.interval'],
  });
}
