/**
 * Reads the SNI name out of a TLS ClientHello before the handshake starts
 * (RFC 8446 §4.1.2, RFC 6066 §3), so the HTTPS listener can pick the
 * handshake options of that hostname: node:tls fixes protocol versions and
 * whether to ask for a client certificate when the socket is created, before
 * its SNICallback runs.
 */

const HANDSHAKE = 0x16;
const CLIENT_HELLO = 0x01;
const SERVER_NAME_EXTENSION = 0x0000;
const HOST_NAME = 0x00;
/** A TLS record holds at most 2^14 bytes (plus its 5-byte header). */
export const MAX_HELLO_BYTES = 5 + 16384;

/** Bytes of the first record once its header is in; -1 when this is not a TLS handshake record (plain HTTP, garbage). */
export function helloRecordLength(data: Buffer): number {
  if (data.length === 0 || data[0] !== HANDSHAKE) return -1;
  if (data.length < 5) return 5;
  return 5 + data.readUInt16BE(3);
}

/** The host name the client asked for, lower-cased; undefined when there is none or the hello cannot be read. */
export function serverNameOf(data: Buffer): string | undefined {
  const end = Math.min(data.length, helloRecordLength(data));
  let at = 5;
  if (end < at + 4 || data[at] !== CLIENT_HELLO) return undefined;
  at += 4; // handshake type + 3-byte length
  at += 2 + 32; // client version + random
  if (at + 1 > end) return undefined;
  at += 1 + data[at]!; // session id
  if (at + 2 > end) return undefined;
  at += 2 + data.readUInt16BE(at); // cipher suites
  if (at + 1 > end) return undefined;
  at += 1 + data[at]!; // compression methods
  if (at + 2 > end) return undefined;
  const extensionsEnd = Math.min(end, at + 2 + data.readUInt16BE(at));
  at += 2;
  while (at + 4 <= extensionsEnd) {
    const type = data.readUInt16BE(at);
    const length = data.readUInt16BE(at + 2);
    at += 4;
    if (type === SERVER_NAME_EXTENSION) {
      // server_name_list: 2-byte length, then entries of type (1), length (2), name.
      let entry = at + 2;
      const listEnd = Math.min(extensionsEnd, at + length);
      while (entry + 3 <= listEnd) {
        const nameLength = data.readUInt16BE(entry + 1);
        if (data[entry] === HOST_NAME && entry + 3 + nameLength <= listEnd) return data.toString('latin1', entry + 3, entry + 3 + nameLength).toLowerCase();
        entry += 3 + nameLength;
      }
      return undefined;
    }
    at += length;
  }
  return undefined;
}
