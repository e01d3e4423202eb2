import { GrantLedger } from './grant-ledger.ts';
import type { StateEngine } from './memory-store.ts';
import {
  isStateRequest, type StateCall, type StateOp, type StateOps, type StateReply, type StateReplyMessage, type StateRevokeMessage,
} from './ipc-protocol.ts';

/** A worker as the primary sees it: a cluster Worker or a forked ChildProcess. */
export interface StatePeer {
  send(message: StateReplyMessage | StateRevokeMessage, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
}

type Handlers = { [K in Exclude<StateOp, 'consumeRate'>]: (arg: StateOps[K][0], owner: string) => StateOps[K][1] };

/**
 * The primary's side: applies its workers' state calls to one StateEngine,
 * one at a time (the event loop serialises them, which is what makes the
 * counters exact across workers), and takes back a worker's concurrency
 * leases when it exits.
 */
export class StateServer {
  private readonly engine: StateEngine;
  private readonly handlers: Handlers;
  private readonly peers = new Map<string, StatePeer>();
  private readonly grants: GrantLedger;
  /**
   * Revocations and late answers raised while a batch is handled, sent after
   * that batch's replies: a worker must receive every grant issued before a
   * revocation before the revocation itself, or it would confirm too early.
   */
  private outbox: Array<{ owner: string; message: StateReplyMessage | StateRevokeMessage }> = [];

  constructor(engine: StateEngine) {
    this.engine = engine;
    this.grants = new GrantLedger(engine, {
      workers: () => Math.max(1, this.peers.size),
      revoke: (owner, window) => this.outbox.push({ owner, message: { type: 'state-revoke', window } }),
    });
    this.handlers = {
      releaseGrant: (arg, owner) => {
        this.grants.release(arg, owner);
        return null;
      },
      addRate: (arg) => engine.addRate(arg),
      consumeQuota: (arg) => engine.consumeQuota(arg),
      addQuota: (arg) => engine.addQuota(arg),
      acquireLease: (arg, owner) => engine.acquireLease(arg, owner),
      releaseLease: (arg) => {
        engine.releaseLease(arg.lease);
        return null;
      },
      getCached: (arg) => {
        const bytes = engine.getBytes(arg.key);
        return bytes === undefined ? null : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
      },
      setCached: (arg) => engine.setBytes(arg.key, Buffer.from(arg.value, 'base64'), arg.ttlSeconds),
      deleteCached: (arg) => engine.deleteKey(arg.key),
    };
  }

  /** Serves `peer`'s state calls; `owner` names it for its leases (the worker id). */
  attach(peer: StatePeer, owner: string): void {
    this.peers.set(owner, peer);
    peer.on('message', (message) => {
      if (!isStateRequest(message)) return;
      // A worker that went away meanwhile simply gets no answer.
      peer.send(this.handle(message.calls, owner), () => {});
      this.sendOutbox();
    });
    peer.once('exit', () => {
      this.peers.delete(owner);
      this.grants.forget(owner);
      this.sendOutbox();
      this.engine.releaseOwner(owner);
    });
  }

  /** The answers to `calls`, except rate calls parked behind a revocation: those go to `owner`'s peer later, on their own. */
  handle(calls: StateCall[], owner: string): StateReplyMessage {
    const replies: StateReply[] = [];
    for (const call of calls) {
      const reply = this.apply(call, owner);
      if (reply) replies.push(reply);
    }
    return { type: 'state-reply', replies };
  }

  private sendOutbox(): void {
    const outbox = this.outbox;
    this.outbox = [];
    for (const { owner, message } of outbox) this.peers.get(owner)?.send(message, () => {});
  }

  close(): void {
    this.engine.close();
  }

  private apply(call: StateCall, owner: string): StateReply | undefined {
    if (call.op === 'consumeRate') {
      const answerLater = (value: StateOps['consumeRate'][1]) => {
        this.outbox.push({ owner, message: { type: 'state-reply', replies: [{ id: call.id, ok: true, value }] } });
      };
      try {
        const value = this.grants.consume(call.arg, owner, answerLater);
        return value && { id: call.id, ok: true, value };
      } catch (error) {
        return { id: call.id, ok: false, error: (error as Error).message };
      }
    }
    if (!Object.hasOwn(this.handlers, call.op)) return { id: call.id, ok: false, error: `unknown state operation ${String(call.op)}` };
    const handler = this.handlers[call.op] as (arg: unknown, owner: string) => StateOps[StateOp][1];
    try {
      return { id: call.id, ok: true, value: handler(call.arg, owner) };
    } catch (error) {
      return { id: call.id, ok: false, error: (error as Error).message };
    }
  }
}
