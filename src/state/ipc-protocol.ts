import type {
  CacheSetResult, LeaseRequest, LeaseResult, QuotaAddition, QuotaRequest, QuotaResult, RateAddition, RateRequest, RateResult,
} from './store.ts';
import type { GrantedRateResult, RateRefund } from './rate-grant.ts';

/**
 * State operations as they cross the cluster IPC channel (worker → primary).
 * Messages are JSON (the cluster's default serialisation), so cache values
 * travel as base64 of their encoded bytes; the primary never decodes them.
 * Requests and replies are batched: one message carries every call a worker
 * made in one turn of its event loop.
 */
export interface StateOps {
  consumeRate: [RateRequest, RateResult];
  addRate: [RateAddition, RateResult];
  /** consumeRate that may come back with calls granted besides (rate-grant.ts). */
  takeRate: [RateRequest, GrantedRateResult];
  refundRate: [RateRefund, null];
  consumeQuota: [QuotaRequest, QuotaResult];
  addQuota: [QuotaAddition, QuotaResult];
  acquireLease: [LeaseRequest, LeaseResult];
  releaseLease: [{ lease: string }, null];
  /** Base64 of the encoded value, null on a miss. */
  getCached: [{ key: string }, string | null];
  setCached: [{ key: string; value: string; ttlSeconds: number }, CacheSetResult];
  deleteCached: [{ key: string }, boolean];
}

export type StateOp = keyof StateOps;

export type StateCall = { [K in StateOp]: { id: number; op: K; arg: StateOps[K][0] } }[StateOp];

export type StateReply =
  | { id: number; ok: true; value: StateOps[StateOp][1] }
  | { id: number; ok: false; error: string };

export interface StateRequestMessage {
  type: 'state';
  calls: StateCall[];
}

export interface StateReplyMessage {
  type: 'state-reply';
  replies: StateReply[];
}

export function isStateRequest(message: unknown): message is StateRequestMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'state'
    && Array.isArray((message as { calls?: unknown }).calls);
}

export function isStateReply(message: unknown): message is StateReplyMessage {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'state-reply'
    && Array.isArray((message as { replies?: unknown }).replies);
}
