import fs from 'node:fs';
import { ApimgwError } from '../../errors.ts';
import { writeFileAtomic } from '../../fsutil/atomic-write.ts';
import { parseToken, TOKEN_SCHEME, TokenFormatError, type KeyType } from '../../token/format.ts';
import { armFailure, createArmClient, type ArmClientSettings } from './client.ts';
import { armTarget } from './settings.ts';

/**
 * Gateway tokens from Azure API Management through ARM: `generateToken` on
 * the gateway resource, and the key rotation Microsoft documents for
 * self-hosted gateways — move the token to the other key first, regenerate
 * the key no longer in use after — so no instance reading the token file is
 * left with a token signed by a regenerated key.
 */

export interface ArmGatewayTokens {
  generate(keyType: KeyType, expiry: Date): Promise<string>;
  regenerate(keyType: KeyType): Promise<void>;
}

export async function armGatewayTokens(settings: ArmClientSettings): Promise<ArmGatewayTokens> {
  const target = armTarget(settings);
  const client = await createArmClient(settings, target.subscriptionId, { calls: 0, throttled: 0 });
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const failure = armFailure(error, what);
      throw new ApimgwError('APIMGW_E_TOKEN_RENEW', failure.message, { hint: failure.hint });
    }
  };
  return {
    async generate(keyType, expiry) {
      const { value } = await call(`generateToken for gateway ${target.gateway}`, () =>
        client.gateway.generateToken(target.resourceGroup, target.serviceName, target.gateway, { keyType, expiry }));
      try {
        if (value === undefined) throw new TokenFormatError('the answer holds no token');
        const issued = parseToken(value);
        if (issued.gatewayId !== target.gateway) throw new TokenFormatError(`it is for gateway "${issued.gatewayId}", not "${target.gateway}"`);
      } catch (error) {
        if (error instanceof TokenFormatError) throw new ApimgwError('APIMGW_E_TOKEN_RENEW', `ARM answered generateToken with an unusable token: ${error.message}`);
        throw error;
      }
      // ARM answers `gw1&…&…`; the token file holds the header value, as the Azure portal shows it.
      return value.startsWith(`${TOKEN_SCHEME} `) ? value : `${TOKEN_SCHEME} ${value}`;
    },
    async regenerate(keyType) {
      await call(`regenerateKey (${keyType}) for gateway ${target.gateway}`, () =>
        client.gateway.regenerateKey(target.resourceGroup, target.serviceName, target.gateway, { keyType }));
    },
  };
}

/**
 * Which key the token in `tokenFile` was last issued with by `--rotate`: kept
 * beside it (`<token file>.rotation.json`, 0600, replaced atomically), since a
 * token does not say. A wrong or lost state costs no validity: the new token
 * is always written before any key is regenerated, and never with the key
 * about to be regenerated.
 */
export function rotationStateFile(tokenFile: string): string {
  return `${tokenFile}.rotation.json`;
}

export function readRotationKey(tokenFile: string): KeyType {
  const file = rotationStateFile(tokenFile);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    // Never rotated: tokens from the portal and from generateToken default to the primary key.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'primary';
    throw new ApimgwError('APIMGW_E_TOKEN_RENEW', `the rotation state ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      hint: 'It must be readable by the user running apimgw token renew, like the token file beside it.',
    });
  }
  let keyType: unknown;
  try {
    keyType = (JSON.parse(text) as { keyType?: unknown } | null)?.keyType;
  } catch {
    keyType = undefined;
  }
  if (keyType !== 'primary' && keyType !== 'secondary') {
    throw new ApimgwError('APIMGW_E_TOKEN_RENEW', `the rotation state ${file} does not say which key the token uses`, {
      hint: 'Delete it if the token in the file was issued with the primary key, or write {"keyType":"secondary"} if with the secondary.',
    });
  }
  return keyType;
}

export async function writeRotationKey(tokenFile: string, keyType: KeyType): Promise<void> {
  await writeFileAtomic(rotationStateFile(tokenFile), `${JSON.stringify({ keyType, rotatedAt: new Date().toISOString() })}\n`, { mode: 0o600 });
}
