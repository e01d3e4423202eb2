import { isIPv4, isIPv6 } from 'node:net';
import { DotNetException, type OutRef } from '../host.ts';

/**
 * System.Net.IPAddress: dotted IPv4 and IPv6 (brackets and `%scope`
 * accepted), printed as .NET does (RFC 5952 compression, IPv4-mapped tail
 * dotted). Legacy IPv4 forms such as `127.1` are not accepted.
 */

export const AddressFamily = { InterNetwork: 'InterNetwork', InterNetworkV6: 'InterNetworkV6' } as const;

export class IPAddress {
  readonly #bytes: Uint8Array;
  readonly ScopeId: number;

  /** `new IPAddress(byte[])` (4 or 16 bytes). */
  constructor(address: Uint8Array | number[], scopeId = 0) {
    const bytes = Uint8Array.from(address);
    if (bytes.length !== 4 && bytes.length !== 16) throw new DotNetException('ArgumentException', "An invalid IP address was specified. (Parameter 'address')");
    this.#bytes = bytes;
    this.ScopeId = scopeId;
  }

  get AddressFamily(): string {
    return this.#bytes.length === 4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
  }

  get IsIPv4MappedToIPv6(): boolean {
    return this.#bytes.length === 16 && this.#bytes.subarray(0, 10).every((b) => b === 0) && this.#bytes[10] === 0xff && this.#bytes[11] === 0xff;
  }

  GetAddressBytes(): Uint8Array {
    return this.#bytes.slice();
  }

  MapToIPv4(): IPAddress {
    return this.#bytes.length === 4 ? this : new IPAddress(this.#bytes.subarray(12));
  }

  MapToIPv6(): IPAddress {
    if (this.#bytes.length === 16) return this;
    return new IPAddress([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...this.#bytes]);
  }

  Equals(other: unknown): boolean {
    return other instanceof IPAddress && other.#bytes.length === this.#bytes.length && other.#bytes.every((b, i) => b === this.#bytes[i]);
  }

  ToString(): string {
    if (this.#bytes.length === 4) return this.#bytes.join('.');
    const scope = this.ScopeId ? `%${this.ScopeId}` : '';
    if (this.IsIPv4MappedToIPv6) return `::ffff:${this.#bytes.subarray(12).join('.')}${scope}`;
    const groups = Array.from({ length: 8 }, (_, i) => (this.#bytes[i * 2]! << 8) | this.#bytes[i * 2 + 1]!);
    let bestStart = -1;
    let bestLength = 1;
    for (let i = 0; i < 8; ) {
      let j = i;
      while (j < 8 && groups[j] === 0) j += 1;
      if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
      i = j === i ? i + 1 : j;
    }
    const hex = groups.map((g) => g.toString(16));
    if (bestStart < 0) return hex.join(':') + scope;
    return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}${scope}`;
  }

  toString(): string {
    return this.ToString();
  }

  static Parse(text: string): IPAddress {
    const address = parseAddress(text);
    if (!address) throw new DotNetException('FormatException', 'An invalid IP address was specified.');
    return address;
  }

  static TryParse(text: string, out: OutRef<IPAddress | null>): boolean {
    out.value = parseAddress(text);
    return out.value !== null;
  }

  static IsLoopback(address: IPAddress): boolean {
    const bytes = address.MapToIPv4().#bytes;
    return bytes.length === 4 ? bytes[0] === 127 : address.Equals(IPAddress.IPv6Loopback);
  }

  static readonly Any = new IPAddress([0, 0, 0, 0]);
  static readonly Loopback = new IPAddress([127, 0, 0, 1]);
  static readonly Broadcast = new IPAddress([255, 255, 255, 255]);
  static readonly None = IPAddress.Broadcast;
  static readonly IPv6Any = new IPAddress(new Uint8Array(16));
  static readonly IPv6Loopback = new IPAddress([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  static readonly IPv6None = IPAddress.IPv6Any;
}

function parseAddress(input: unknown): IPAddress | null {
  if (typeof input !== 'string') return null;
  const text = input.trim();
  if (isIPv4(text)) return new IPAddress(text.split('.').map(Number));
  const bracketed = /^\[(.+)\](?::\d+)?$/.exec(text);
  const [address = '', scope] = (bracketed ? bracketed[1]! : text).split('%');
  if (!isIPv6(address)) return null;
  return new IPAddress(ipv6Bytes(address), scope && /^\d+$/.test(scope) ? Number(scope) : 0);
}

function ipv6Bytes(address: string): number[] {
  let text = address;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = text.slice(0, -tail[1]!.length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.flatMap((g) => {
    const value = parseInt(g, 16);
    return [value >> 8, value & 0xff];
  });
}
