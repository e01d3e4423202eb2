import { createHash } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import type { RequestContext } from '../../context/request-context.ts';

/**
 * Client certificates for backend TLS (authentication-certificate body +
 * password). A certificate needs its own connections, so each distinct
 * PFX gets an undici Agent, kept in a small LRU so a policy presenting the
 * same certificate on every request reuses them.
 */

export interface ClientCertificate {
  readonly pfx: Buffer;
  readonly passphrase: string | undefined;
}

const MAX_AGENTS = 16;
const AGENTS = new Map<string, Agent>();
const CERTIFICATES = new WeakMap<RequestContext, ClientCertificate>();

/** Records the certificate the backend request (forward-request) must present. */
export function setBackendClientCertificate(context: RequestContext, certificate: ClientCertificate): void {
  CERTIFICATES.set(context, certificate);
}

/** The dispatcher forward-request must use for this request's backend call: undefined = the usual pools. */
export function backendClientDispatcher(context: RequestContext): Dispatcher | undefined {
  const certificate = CERTIFICATES.get(context);
  return certificate ? clientCertificateAgent(certificate) : undefined;
}

export function clientCertificateAgent(certificate: ClientCertificate): Dispatcher {
  const key = createHash('sha256').update(certificate.pfx).update('\0').update(certificate.passphrase ?? '').digest('hex');
  let agent = AGENTS.get(key);
  if (agent) {
    AGENTS.delete(key);
  } else {
    agent = new Agent({ connections: 16, keepAliveTimeout: 4_000, connect: { pfx: certificate.pfx, passphrase: certificate.passphrase } });
    if (AGENTS.size >= MAX_AGENTS) {
      const [oldestKey, oldest] = AGENTS.entries().next().value!;
      AGENTS.delete(oldestKey);
      void oldest.close();
    }
  }
  AGENTS.set(key, agent);
  return agent;
}
