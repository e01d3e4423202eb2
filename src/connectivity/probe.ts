import dns from 'node:dns';
import net from 'node:net';
import tls from 'node:tls';
import { EnvHttpProxyAgent } from 'undici';
import type { Certificate, TargetReport } from './report.ts';
import { lookupFor, proxyFor, resolveKey, type ProxySettings, type ResolveOverrides } from './network.ts';
import type { AuthOutcome, Target } from './targets.ts';

/**
 * Probes one dependency step by step — DNS, TCP (through the proxy with
 * CONNECT when the gateway would use one), TLS, then the target's own
 * authenticated request — and says at which step and why it fails.
 */

export interface ProbeOptions {
  /** Per step. */
  timeoutMs: number;
  overrides: ResolveOverrides;
  /** Certificates trusted on top of Node's default store (--ca), as NODE_EXTRA_CA_CERTS adds them for the gateway. */
  extraCa: string[];
  proxies: ProxySettings;
}

type Step = TargetReport['tcp'];
const DAY_MS = 86_400_000;
/** A certificate closer than this to expiry is a warning: renewals take time. */
const EXPIRY_WARNING_DAYS = 30;

class StepTimeout extends Error {}

/** Milliseconds since `started`, to a tenth: finer is noise. */
function since(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}

function withTimeout<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StepTimeout(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function reasonOf(error: unknown): string {
  if (error instanceof StepTimeout) return error.message;
  const { code, message } = error as NodeJS.ErrnoException;
  const words: Record<string, string> = {
    ENOTFOUND: 'no such host name', EAI_AGAIN: 'temporary DNS failure (is a resolver reachable?)', ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset', EHOSTUNREACH: 'host unreachable', ENETUNREACH: 'network unreachable',
  };
  return code !== undefined && words[code] ? `${words[code]} (${code})` : message;
}

/** OpenSSL's verification codes in an operator's words. */
function chainReason(code: string): string {
  const words: Record<string, string> = {
    DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
    SELF_SIGNED_CERT_IN_CHAIN: 'the chain ends in a self-signed root this machine does not trust',
    UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the issuer is not trusted by this machine',
    UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the issuer is not trusted by this machine (or the server omits an intermediate)',
    CERT_HAS_EXPIRED: 'the certificate has expired',
    CERT_NOT_YET_VALID: 'the certificate is not valid yet (check the clock)',
  };
  return `${words[code] ?? 'the certificate chain does not verify'} (${code})`;
}

async function resolveStep(host: string, port: number, options: ProbeOptions): Promise<TargetReport['dns']> {
  const started = performance.now();
  const override = options.overrides.get(resolveKey(host, port));
  if (override !== undefined) return { status: 'ok', detail: `${override} (--resolve)`, addresses: [override], ms: 0 };
  if (net.isIP(host) !== 0) return { status: 'ok', detail: `${host} (an IP address)`, addresses: [host], ms: 0 };
  try {
    const found = await withTimeout(dns.promises.lookup(host, { all: true }), options.timeoutMs);
    const addresses = found.map((entry) => entry.address);
    const detail = found.map((entry) => `${entry.family === 6 ? 'AAAA' : 'A'} ${entry.address}`).join(', ');
    return { status: 'ok', detail, addresses, ms: since(started) };
  } catch (error) {
    return { status: 'fail', detail: `DNS: ${reasonOf(error)}`, addresses: [], ms: since(started) };
  }
}

function connectSocket(address: string, port: number, timeoutMs: number): Promise<net.Socket> {
  const socket = net.connect({ host: address, port });
  const connected = new Promise<net.Socket>((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
  return withTimeout(connected, timeoutMs).catch((error: unknown) => {
    socket.destroy();
    throw error;
  });
}

/** HTTP CONNECT through the proxy on `socket`; resolves once the proxy answered 200. */
function openTunnel(socket: net.Socket, host: string, port: number, proxy: URL, timeoutMs: number): Promise<void> {
  const authority = net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  if (proxy.username !== '') {
    const credentials = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    lines.push(`Proxy-Authorization: Basic ${Buffer.from(credentials).toString('base64')}`);
  }
  const answered = new Promise<void>((resolve, reject) => {
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      if (head.length > end + 4) socket.unshift(head.subarray(end + 4));
      const status = /^HTTP\/1\.[01] (\d{3})([^\r\n]*)/.exec(head.subarray(0, end).toString('latin1'));
      if (status?.[1] === '200') resolve();
      else reject(new Error(`the proxy refused the tunnel: ${status ? `${status[1]}${status[2]}` : 'not an HTTP answer'}`));
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('end', () => reject(new Error('the proxy closed the connection')));
  });
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  return withTimeout(answered, timeoutMs);
}

async function tcpStep(target: Target, dnsStep: TargetReport['dns'], port: number, proxy: URL | undefined, options: ProbeOptions): Promise<{ step: Step; socket?: net.Socket }> {
  const started = performance.now();
  let lastError: unknown;
  for (const address of dnsStep.addresses) {
    let socket: net.Socket | undefined;
    try {
      socket = await connectSocket(address, port, options.timeoutMs);
      if (proxy) await openTunnel(socket, target.host, target.port, proxy, options.timeoutMs);
      const detail = proxy ? `tunnel to ${target.host}:${target.port} through the proxy at ${address}:${port}` : `connected to ${address}:${port}`;
      return { step: { status: 'ok', detail, ms: since(started) }, socket };
    } catch (error) {
      socket?.destroy();
      lastError = error;
    }
  }
  return { step: { status: 'fail', detail: `TCP${proxy ? ' (proxy)' : ''}: ${reasonOf(lastError)}`, ms: since(started) } };
}

function trustedCa(options: ProbeOptions): string[] | undefined {
  return options.extraCa.length === 0 ? undefined : [...tls.getCACertificates('default'), ...options.extraCa];
}

function distinguishedName(name: tls.Certificate | undefined): string {
  if (!name) return '';
  return Object.entries(name).map(([key, value]) => `${key}=${[value].flat().join('+')}`).join(', ');
}

function handshake(socket: net.Socket, servername: string, options: ProbeOptions): Promise<tls.TLSSocket> {
  // Verification is done here, step by step, so every problem is reported instead of one refused handshake.
  const secure = tls.connect({
    socket,
    ...(net.isIP(servername) === 0 ? { servername } : {}),
    ...(options.extraCa.length > 0 ? { ca: trustedCa(options) } : {}),
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  const done = new Promise<tls.TLSSocket>((resolve, reject) => {
    secure.once('secureConnect', () => resolve(secure));
    secure.once('error', reject);
  });
  return withTimeout(done, options.timeoutMs).catch((error: unknown) => {
    secure.destroy();
    throw error;
  });
}

async function tlsStep(target: Target, socket: net.Socket, options: ProbeOptions, warnings: string[]): Promise<TargetReport['tls']> {
  const started = performance.now();
  const servername = target.servername ?? target.host;
  let secure: tls.TLSSocket;
  try {
    secure = await handshake(socket, servername, options);
  } catch (error) {
    return { status: 'fail', detail: `TLS handshake: ${reasonOf(error)}`, ms: since(started), protocol: null, cipher: null, certificate: null };
  }
  const peer = secure.getPeerCertificate();
  const chainError = secure.authorized ? null : String(secure.authorizationError);
  const identityError = tls.checkServerIdentity(servername, peer);
  const validTo = new Date(peer.valid_to);
  const certificate: Certificate = {
    subject: distinguishedName(peer.subject),
    issuer: distinguishedName(peer.issuer),
    validTo: validTo.toISOString(),
    daysToExpiry: Math.floor((validTo.getTime() - Date.now()) / DAY_MS),
    servername,
    hostnameMatch: identityError === undefined,
    chainValid: chainError === null,
    chainError,
  };
  const protocol = secure.getProtocol();
  const cipher = secure.getCipher().standardName;
  secure.destroy();
  const problems = [
    ...(chainError === null ? [] : [`certificate not trusted: ${chainReason(chainError)}`]),
    ...(identityError === undefined ? [] : [`certificate name mismatch: ${identityError.message}`]),
  ];
  const ms = since(started);
  if (problems.length > 0 && !target.acceptAnyCertificate) {
    return { status: 'fail', detail: problems.join('; '), ms, protocol, cipher, certificate };
  }
  for (const problem of problems) warnings.push(`${problem} (accepted: config.service.endpoint.disableCertificateValidation=true)`);
  if (certificate.chainValid && certificate.daysToExpiry < EXPIRY_WARNING_DAYS) warnings.push(`the certificate expires in ${certificate.daysToExpiry} days (${certificate.validTo})`);
  return { status: 'ok', detail: `${protocol} ${cipher}`, ms, protocol, cipher, certificate };
}

/** An undici dispatcher for requests to `target` as the probe makes them: --ca, --resolve for its port, the proxy variables. */
export function probeDispatcher(target: Pick<Target, 'host' | 'port' | 'proxyScheme' | 'acceptAnyCertificate'>, options: ProbeOptions): { dispatcher: EnvHttpProxyAgent; lookup: ReturnType<typeof lookupFor> } {
  const proxy = target.proxyScheme ? proxyFor(options.proxies, target.proxyScheme, target.host, target.port) : undefined;
  const ca = trustedCa(options);
  const tlsOptions = { ...(ca ? { ca } : {}), rejectUnauthorized: !target.acceptAnyCertificate };
  const lookup = lookupFor(options.overrides, target.port);
  const proxyPort = proxy ? Number(proxy.port || (proxy.protocol === 'https:' ? 443 : 80)) : 0;
  const dispatcher = new EnvHttpProxyAgent({
    // Explicit, so the request takes exactly the proxy decision the TCP step reported.
    httpProxy: options.proxies.http ?? '',
    httpsProxy: options.proxies.https ?? '',
    noProxy: options.proxies.noProxy,
    connect: { ...tlsOptions, lookup },
    proxyTls: { lookup: lookupFor(options.overrides, proxyPort) },
    requestTls: tlsOptions,
  });
  return { dispatcher, lookup };
}

async function authStep(target: Target, options: ProbeOptions): Promise<{ step: TargetReport['auth']; outcome?: AuthOutcome }> {
  const started = performance.now();
  const { dispatcher, lookup } = probeDispatcher(target, options);
  try {
    const outcome = await withTimeout(target.auth!({ dispatcher, lookup, timeoutMs: options.timeoutMs }), options.timeoutMs);
    return { step: { status: outcome.ok ? 'ok' : 'fail', label: outcome.label, detail: outcome.detail, ms: since(started) }, outcome };
  } catch (error) {
    return { step: { status: 'fail', label: 'unreachable', detail: `authenticated request: ${reasonOf(error)}`, ms: since(started) } };
  } finally {
    void dispatcher.destroy().catch(() => undefined);
  }
}

const NONE = (detail: string): Step => ({ status: 'none', detail });
const SKIPPED = (detail: string): Step => ({ status: 'skipped', detail });

export async function probeTarget(target: Target, options: ProbeOptions): Promise<TargetReport> {
  const started = performance.now();
  const warnings: string[] = [];
  const proxy = target.proxyScheme ? proxyFor(options.proxies, target.proxyScheme, target.host, target.port) : undefined;
  const proxyHost = proxy?.hostname.replace(/^\[(.*)\]$/, '$1');
  const connectPort = proxy ? Number(proxy.port || 80) : target.port;
  const dnsStep = await resolveStep(proxyHost ?? target.host, connectPort, options);
  if (proxy) dnsStep.detail = `proxy ${proxyHost}: ${dnsStep.detail} (the proxy resolves ${target.host})`;
  let tcp: Step = SKIPPED('DNS failed');
  let tlsResult: TargetReport['tls'] = { ...SKIPPED('DNS failed'), protocol: null, cipher: null, certificate: null };
  let auth: TargetReport['auth'] = { ...(target.auth ? SKIPPED('an earlier step failed') : NONE('no authenticated request for this target')), label: null };

  if (target.transport === 'udp') {
    // A UDP sender gets no answer to test: the name is all that can be checked.
    tcp = NONE('UDP: only DNS is checked');
    tlsResult = { ...NONE('UDP'), protocol: null, cipher: null, certificate: null };
  } else if (dnsStep.status === 'ok') {
    const connected = proxy?.protocol === 'https:'
      ? { step: { status: 'fail', detail: `TCP: the check cannot tunnel through an https:// proxy (${proxy.host}); the gateway itself can` } satisfies Step }
      : await tcpStep(target, dnsStep, connectPort, proxy, options);
    tcp = connected.step;
    if (target.transport === 'tcp') tlsResult = { ...NONE('plain TCP'), protocol: null, cipher: null, certificate: null };
    else tlsResult = connected.socket ? await tlsStep(target, connected.socket, options, warnings) : { ...SKIPPED('TCP failed'), protocol: null, cipher: null, certificate: null };
    connected.socket?.destroy();
    if (target.auth && tcp.status === 'ok' && tlsResult.status !== 'fail') {
      const result = await authStep(target, options);
      auth = result.step;
      if (result.outcome?.warning) warnings.push(result.outcome.warning);
    }
  }

  const failures = [dnsStep, tcp, tlsResult, auth].filter((step) => step.status === 'fail').map((step) => step.detail);
  return {
    host: target.host,
    port: target.port,
    purpose: target.purpose,
    required: target.required,
    transport: target.transport,
    via: proxy ? `${proxy.hostname}:${connectPort}` : null,
    dns: dnsStep,
    tcp,
    tls: tlsResult,
    auth,
    latencyMs: since(started),
    verdict: failures.length > 0 ? (target.required ? 'fail' : 'warn') : warnings.length > 0 ? 'warn' : 'ok',
    reasons: [...failures, ...warnings],
  };
}
