import { DEFAULT_LEASE_SECONDS, type LeaseRequest, type LeaseResult } from './store.ts';

interface Lease {
  key: string;
  owner: string;
  expiresAt: number;
}

/**
 * Concurrency slots per key. Every lease belongs to an owner (a worker) so
 * the primary can take back all of a worker's leases when it exits; the
 * lease lifetime is the backstop for holders that vanish otherwise.
 */
export class LeaseTable {
  private readonly leases = new Map<string, Lease>();
  private readonly byKey = new Map<string, Set<string>>();
  private readonly byOwner = new Map<string, Set<string>>();
  private sequence = 0;

  acquire(request: LeaseRequest, owner: string, now: number): LeaseResult {
    let held = this.byKey.get(request.key);
    if (held && held.size >= request.max) {
      for (const id of held) if (this.leases.get(id)!.expiresAt <= now) this.release(id);
      held = this.byKey.get(request.key);
    }
    const inUse = held?.size ?? 0;
    if (inUse >= request.max) return { acquired: false, inUse };
    const id = `${owner}:${(++this.sequence).toString(36)}`;
    this.leases.set(id, { key: request.key, owner, expiresAt: now + (request.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000 });
    addTo(this.byKey, request.key, id);
    addTo(this.byOwner, owner, id);
    return { acquired: true, lease: id, inUse: inUse + 1 };
  }

  release(id: string): void {
    const lease = this.leases.get(id);
    if (!lease) return;
    this.leases.delete(id);
    removeFrom(this.byKey, lease.key, id);
    removeFrom(this.byOwner, lease.owner, id);
  }

  /** Releases every lease `owner` holds; returns how many there were. */
  releaseOwner(owner: string): number {
    const ids = [...(this.byOwner.get(owner) ?? [])];
    for (const id of ids) this.release(id);
    return ids.length;
  }

  inUse(key: string): number {
    return this.byKey.get(key)?.size ?? 0;
  }

  sweep(now: number): void {
    for (const [id, lease] of this.leases) if (lease.expiresAt <= now) this.release(id);
  }
}

function addTo(index: Map<string, Set<string>>, name: string, id: string): void {
  let set = index.get(name);
  if (!set) {
    set = new Set();
    index.set(name, set);
  }
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, name: string, id: string): void {
  const set = index.get(name);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(name);
}
