import { ApimgwError } from '../../errors.ts';
import type { Settings } from '../../settings/schema.ts';

/**
 * ARM mode (config.arm.serviceResourceId): which APIM instance and gateway,
 * and how to sign in. Checked once up front so that every mistake is one line
 * with a hint, not an SDK stack trace on the first poll.
 */

export interface ArmTarget {
  subscriptionId: string;
  resourceGroup: string;
  serviceName: string;
  /** The APIM gateway resource (gateway.name) whose assigned APIs this instance serves. */
  gateway: string;
  /** `https://management.azure.com/subscriptions/…/service/<name>`: shown in logs and /config. */
  url: string;
}

/** `azureAdApp`: the app registration of config.service.auth.azureAd.*; `identity`: the host's managed or workload identity. */
export type ArmAuth =
  | { kind: 'secret'; tenantId: string; clientId: string; secret: string }
  | { kind: 'certificate'; tenantId: string; clientId: string; certificatePath: string }
  | { kind: 'identity'; clientId: string | undefined };

export type ArmSettings = Pick<Settings, 'config.arm.serviceResourceId' | 'config.arm.endpoint' | 'gateway.name' | 'config.service.auth'
  | 'config.service.auth.azureAd.tenantId' | 'config.service.auth.azureAd.clientId' | 'config.service.auth.azureAd.clientSecret'
  | 'config.service.auth.azureAd.certificatePath'>;

const AZURE_AD_APP = 'azureAdApp';

export function isArmMode(settings: Pick<Settings, 'config.arm.serviceResourceId'>): boolean {
  return settings['config.arm.serviceResourceId'] !== undefined;
}

function invalid(message: string, hint: string): ApimgwError {
  return new ApimgwError('APIMGW_E_SETTINGS_INVALID', message, { hint });
}

export function armTarget(settings: ArmSettings): ArmTarget {
  const id = settings['config.arm.serviceResourceId'];
  if (id === undefined) {
    throw invalid('config.arm.serviceResourceId is not set: there is no Azure API Management instance to read from',
      'Set it to /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ApiManagement/service/<name> (Azure portal: the instance → JSON view → Resource ID).');
  }
  // The schema has checked the shape; the segments sit at fixed places.
  const parts = id.split('/');
  return {
    subscriptionId: parts[2]!,
    resourceGroup: parts[4]!,
    serviceName: parts[8]!,
    gateway: settings['gateway.name'],
    url: `${settings['config.arm.endpoint']}${id}`,
  };
}

export function armAuth(settings: ArmSettings): ArmAuth {
  const mode = settings['config.service.auth'];
  const tenantId = settings['config.service.auth.azureAd.tenantId'];
  const clientId = settings['config.service.auth.azureAd.clientId'];
  const secret = settings['config.service.auth.azureAd.clientSecret'];
  const certificatePath = settings['config.service.auth.azureAd.certificatePath'];
  if (mode !== undefined && mode !== AZURE_AD_APP) {
    throw invalid(`config.service.auth holds a gateway token, but config.arm.serviceResourceId signs in to Entra ID instead`,
      'Set config.service.auth=azureAdApp with config.service.auth.azureAd.tenantId, clientId and clientSecret (or certificatePath), or unset it to use the managed identity.');
  }
  if (mode === undefined) {
    if (secret !== undefined || certificatePath !== undefined) {
      throw invalid('config.service.auth.azureAd.clientSecret/certificatePath are set but config.service.auth is not azureAdApp',
        'Set config.service.auth=azureAdApp to sign in as that app registration (unset, apimgw uses the managed or workload identity).');
    }
    return { kind: 'identity', clientId };
  }
  const missing = [tenantId === undefined ? 'tenantId' : undefined, clientId === undefined ? 'clientId' : undefined].filter(Boolean);
  if (missing.length > 0) {
    throw invalid(`config.service.auth=azureAdApp needs config.service.auth.azureAd.${missing.join(' and config.service.auth.azureAd.')}`,
      'Take them from the app registration\'s Overview page (Directory (tenant) ID, Application (client) ID).');
  }
  if ((secret === undefined) === (certificatePath === undefined)) {
    throw invalid(`config.service.auth=azureAdApp needs exactly one of config.service.auth.azureAd.clientSecret and config.service.auth.azureAd.certificatePath${secret === undefined ? '' : ', not both'}`,
      'Give the client secret (Certificates & secrets → Client secrets) or a PEM file holding the certificate and its private key.');
  }
  if (secret !== undefined) return { kind: 'secret', tenantId: tenantId!, clientId: clientId!, secret };
  return { kind: 'certificate', tenantId: tenantId!, clientId: clientId!, certificatePath: certificatePath! };
}

/** Both sources at once cannot have been meant; says which to unset. */
export function checkArmExclusive(settings: Pick<Settings, 'config.arm.serviceResourceId' | 'config.service.endpoint' | 'config.local.path'>): void {
  for (const key of ['config.service.endpoint', 'config.local.path'] as const) {
    if (settings[key] !== undefined) {
      throw invalid(`config.arm.serviceResourceId and ${key} (${settings[key]}) are both set`,
        `Unset one: config.arm.serviceResourceId builds the configuration from an Azure API Management instance, ${key} reads it from ${key === 'config.local.path' ? 'a local file or folder' : 'an apimgw management plane'}.`);
    }
  }
}
