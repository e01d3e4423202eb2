import type { StateEngine } from './memory-store.ts';
import { grantSize } from './rate-grant.ts';
import { isStateRequest, type StateCall, type StateOp, type StateOps, type StateReply, type StateReplyMessage } from './ipc-protocol.ts';

/** A worker as the primary sees it: a cluster Worker or a forked ChildProcess. */
export interface StatePeer {
  send(message: StateReplyMessage, callback: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'exit', listener: () => void): unknown;
}

type Handlers = { [K in StateOp]: (arg: StateOps[K][0], owner: string) => StateOps[K][1] };

/**
 * The primary's side: applies its workers' state calls to one StateEngine,
 * one at a time (the event loop serialises them, which is what makes the
 * counters exact across workers), and takes back a worker's concurrency
 * leases when it exits.
 */
export class StateServer {
  private readonly engine: StateEngine;
  private readonly handlers: Handlers;
  /** Workers attached now: each one's grant is a share of the limit. */
  private peers = 0;

  constructor(engine: StateEngine) {
    this.engine = engine;
    this.handlers = {
      consumeRate: (arg) => engine.consumeRate(arg),
      addRate: (arg) => engine.addRate(arg),
      takeRate: (arg) => engine.takeRate(arg, grantSize(arg.limit, this.peers)),
      refundRate: (arg) => {
        engine.refundRate(arg);
        return null;
      },
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
    this.peers++;
    peer.on('message', (message) => {
      if (!isStateRequest(message)) return;
      // A worker that went away meanwhile simply gets no answer.
      peer.send(this.handle(message.calls, owner), () => {});
    });
    peer.once('exit', () => {
      this.peers--;
      this.engine.releaseOwner(owner);
    });
  }

  handle(calls: StateCall[], owner: string): StateReplyMessage {
    return { type: 'state-reply', replies: calls.map((call) => this.apply(call, owner)) };
  }

  close(): void {
    this.engine.close();
  }

  private apply(call: StateCall, owner: string): StateReply {
    if (!Object.hasOwn(this.handlers, call.op)) return { id: call.id, ok: false, error: `unknown state operation ${String(call.op)}` };
    const handler = this.handlers[call.op] as (arg: unknown, owner: string) => StateOps[StateOp][1];
    try {
      return { id: call.id, ok: true, value: handler(call.arg, owner) };
    } catch (error) {
      return { id: call.id, ok: false, error: (error as Error).message };
    }
  }
}
