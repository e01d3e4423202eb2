/** What `apimgw token create|renew` accept on the command line: the signing key and the expiry. */
import fs from 'node:fs';
import { ApimgwError } from '../errors.ts';
import { MAX_TOKEN_LIFETIME_MS, type KeyType } from './format.ts';

const RELATIVE_EXPIRY = /^(\d+(?:\.\d+)?)([dhm])$/;
const UNIT_MS = { d: 24 * 60 * 60 * 1000, h: 60 * 60 * 1000, m: 60 * 1000 } as const;
// An ISO date or date-time; without a zone it is read as UTC, the zone tokens are written in.
const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The key to sign with, from `--key`: the key itself, or `@file` holding
 * either the key alone or a keys file `{ "<gateway>": { "primary", "secondary" } }`
 * (the one `apimgw config serve` keeps), from which `keyType` is taken.
 */
export function readKey(spec: string | undefined, gatewayId: string, keyType: KeyType): string {
  if (spec === undefined || spec.trim() === '') throw new ApimgwError('APIMGW_E_TOKEN_KEY', 'no gateway key given');
  if (!spec.startsWith('@')) return spec;
  const file = spec.slice(1);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ApimgwError('APIMGW_E_TOKEN_KEY', `cannot read the key file ${file} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  const fromKeysFile = keyFromKeysFile(text, gatewayId, keyType, file);
  const key = fromKeysFile ?? text;
  if (key === '') throw new ApimgwError('APIMGW_E_TOKEN_KEY', `the key file ${file} is empty`);
  return key;
}

function keyFromKeysFile(text: string, gatewayId: string, keyType: KeyType, file: string): string | undefined {
  if (!text.startsWith('{')) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  const keys = (data as Record<string, unknown>)[gatewayId];
  const key = typeof keys === 'object' && keys !== null ? (keys as Record<string, unknown>)[keyType] : undefined;
  if (typeof key !== 'string' || key === '') {
    throw new ApimgwError('APIMGW_E_TOKEN_KEY', `the keys file ${file} has no ${keyType} key for gateway "${gatewayId}"`);
  }
  return key;
}

export function parseKeyType(value: string | undefined): KeyType {
  if (value === undefined || value === 'primary' || value === 'secondary') return value ?? 'primary';
  throw new ApimgwError('APIMGW_E_TOKEN_KEY', `--key-type must be primary or secondary, not "${value}"`);
}

/** The expiry from `--expiry`: `<n>d`, `<n>h`, `<n>m` from now, or an ISO date (UTC unless it says otherwise); default 30 days. */
export function expiryFrom(spec: string | undefined, now: Date): Date {
  const text = (spec ?? '30d').trim();
  let expiry: Date;
  const relative = RELATIVE_EXPIRY.exec(text);
  if (relative) {
    expiry = new Date(now.getTime() + Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]);
  } else if (ISO_DATE.test(text)) {
    const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) && text.length > 10;
    expiry = new Date(hasZone ? text : `${text.length === 10 ? `${text}T00:00` : text.replace(' ', 'T')}Z`);
  } else {
    throw new ApimgwError('APIMGW_E_TOKEN_EXPIRY', `--expiry "${text}" is neither <n>d / <n>h / <n>m nor an ISO date`);
  }
  if (Number.isNaN(expiry.getTime())) throw new ApimgwError('APIMGW_E_TOKEN_EXPIRY', `--expiry "${text}" is not a real date`);
  if (expiry.getTime() - now.getTime() < 60_000) {
    throw new ApimgwError('APIMGW_E_TOKEN_EXPIRY', `--expiry "${text}" is ${expiry <= now ? 'in the past' : 'less than a minute away'} (${expiry.toISOString()})`);
  }
  if (expiry.getTime() - now.getTime() > MAX_TOKEN_LIFETIME_MS) {
    throw new ApimgwError('APIMGW_E_TOKEN_EXPIRY', `--expiry "${text}" is ${expiry.toISOString()}, more than 30 days away (the most a gateway token may live)`);
  }
  return expiry;
}
