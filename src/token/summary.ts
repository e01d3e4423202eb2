import { daysLeft, type KeyType, type ParsedToken } from './format.ts';

/** What may be shown of a token: everything but the signature, of which only the first 4 characters. */
export interface TokenSummary {
  gateway: string;
  expiry: string;
  daysLeft: number;
  expired: boolean;
  signature: string;
  keyType?: KeyType;
  file?: string;
}

export function summariseToken(token: ParsedToken, now: Date, extra: { keyType?: KeyType; file?: string } = {}): TokenSummary {
  const left = daysLeft(token.expiry, now);
  return {
    gateway: token.gatewayId,
    expiry: token.expiry.toISOString(),
    daysLeft: Math.round(left * 10) / 10,
    expired: left <= 0,
    signature: `${token.signature.slice(0, 4)}…`,
    ...extra,
  };
}

/** One line for people: `gateway "gw1", expires 2025-03-20T08:15:00.000Z (in 9.8 days)`. */
export function describeSummary(summary: TokenSummary): string {
  const when = summary.expired ? `expired ${(-summary.daysLeft).toFixed(1)} days ago` : `in ${summary.daysLeft.toFixed(1)} days`;
  return `gateway "${summary.gateway}", expires ${summary.expiry} (${when})${summary.keyType ? `, signed with the ${summary.keyType} key` : ''}`;
}
