interface Entry {
  bytes: Uint8Array;
  expiresAt: number;
  size: number;
}

/** Per-entry bookkeeping counted against the memory bound besides key and bytes. */
const ENTRY_OVERHEAD_BYTES = 64;

export interface ByteCacheLimits {
  maxEntryBytes: number;
  maxTotalBytes: number;
}

/**
 * Opaque byte values with a time to live, a per-entry size cap and a total
 * memory bound enforced by evicting the least recently used entries. The Map
 * keeps insertion order, so re-inserting on every hit makes its first key the
 * least recently used one: O(1) per operation.
 */
export class ByteCache {
  private readonly entries = new Map<string, Entry>();
  private total = 0;
  private readonly limits: ByteCacheLimits;

  constructor(limits: ByteCacheLimits) {
    this.limits = limits;
  }

  get(key: string, now: number): Uint8Array | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= now) {
      this.total -= entry.size;
      return undefined;
    }
    this.entries.set(key, entry);
    return entry.bytes;
  }

  /** Replaces `key`; when the value cannot be stored the older value is removed all the same. */
  set(key: string, bytes: Uint8Array, ttlSeconds: number, now: number): 'stored' | 'too-large' | 'no-ttl' {
    this.delete(key);
    if (!(ttlSeconds > 0)) return 'no-ttl';
    const size = bytes.byteLength + key.length * 2 + ENTRY_OVERHEAD_BYTES;
    if (bytes.byteLength > this.limits.maxEntryBytes || size > this.limits.maxTotalBytes) return 'too-large';
    this.entries.set(key, { bytes, expiresAt: now + ttlSeconds * 1000, size });
    this.total += size;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.limits.maxTotalBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.size;
    }
    return 'stored';
  }

  delete(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    this.entries.delete(key);
    this.total -= entry.size;
    return true;
  }

  sweep(now: number): void {
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) continue;
      this.entries.delete(key);
      this.total -= entry.size;
    }
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }
}
