import { X509Certificate as NodeCertificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { X509Certificate, type X509Certificate2 } from '../policy/expression/dotnet/x509.ts';

/**
 * context.Request.Certificate: the certificate the client presented during
 * the handshake (hostnames with negotiateClientCertificate ask for one; no
 * renegotiation), as an X509Certificate2. Read once per connection and only
 * when a policy asks, so requests that never look at it pay nothing.
 */
export class ClientCertificates {
  /** The gateway's trusted certificate authorities (snapshot gateway.certificateAuthorities). */
  readonly authorities: readonly NodeCertificate[];
  readonly #byConnection = new WeakMap<Socket, X509Certificate2 | null>();

  constructor(authorities: readonly NodeCertificate[]) {
    this.authorities = authorities;
  }

  of(socket: Socket): X509Certificate2 | null {
    let certificate = this.#byConnection.get(socket);
    if (certificate === undefined) {
      certificate = read(socket, this.authorities);
      this.#byConnection.set(socket, certificate);
    }
    return certificate;
  }
}

function read(socket: Socket, authorities: readonly NodeCertificate[]): X509Certificate2 | null {
  if (!('encrypted' in socket)) return null;
  const tlsSocket = socket as TLSSocket;
  const leaf = tlsSocket.getPeerX509Certificate();
  if (!leaf) return null;
  // The rest of the chain the client sent, for Verify(); the detailed form links each certificate to its issuer.
  const intermediates: NodeCertificate[] = [];
  let link = tlsSocket.getPeerCertificate(true).issuerCertificate;
  for (let depth = 0; link && depth < 10 && link.raw; depth++) {
    const next = new NodeCertificate(link.raw);
    if (next.fingerprint256 === leaf.fingerprint256 || intermediates.some((c) => c.fingerprint256 === next.fingerprint256)) break;
    intermediates.push(next);
    link = link.issuerCertificate;
  }
  return X509Certificate.received(leaf, intermediates, authorities);
}
