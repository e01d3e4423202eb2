import type { ChalkInstance } from 'chalk';
import { z } from 'zod';
import { table } from '../cli/ui/output.ts';

/**
 * What `apimgw check-connectivity` found, as one schema: the `--json` output
 * is exactly this (tools may rely on it; a test holds it to the schema), and
 * the table is drawn from it.
 */

/** ok / fail; skipped: an earlier step failed; none: the step does not apply (plain TCP has no TLS, UDP no handshake). */
const StepStatusSchema = z.enum(['ok', 'fail', 'skipped', 'none']);

const StepSchema = z.object({
  status: StepStatusSchema,
  detail: z.string(),
  ms: z.number().nonnegative().optional(),
}).strict();

export const CertificateSchema = z.object({
  subject: z.string(),
  issuer: z.string(),
  validTo: z.iso.datetime(),
  daysToExpiry: z.number().int(),
  /** The name checked: the target host, or Redis `sslHost`. */
  servername: z.string(),
  hostnameMatch: z.boolean(),
  chainValid: z.boolean(),
  /** OpenSSL's code when the chain does not verify (SELF_SIGNED_CERT_IN_CHAIN, CERT_HAS_EXPIRED, …). */
  chainError: z.string().nullable(),
}).strict();

export const TargetReportSchema = z.object({
  host: z.string(),
  port: z.number().int().min(0).max(65535),
  purpose: z.string(),
  required: z.boolean(),
  transport: z.enum(['tcp', 'tls', 'udp']),
  /** The proxy (host:port, never its credentials) the connection went through, or null when direct. */
  via: z.string().nullable(),
  dns: StepSchema.extend({ addresses: z.array(z.string()) }),
  tcp: StepSchema,
  tls: StepSchema.extend({ protocol: z.string().nullable(), cipher: z.string().nullable(), certificate: CertificateSchema.nullable() }),
  /** label: a word for the table (ok, TokenExpired, InvalidToken, unreachable, HTTP404). */
  auth: StepSchema.extend({ label: z.string().nullable() }),
  latencyMs: z.number().nonnegative(),
  /** fail only for a required target; an optional one that fails, or a passing one with a caveat, is warn. */
  verdict: z.enum(['ok', 'warn', 'fail']),
  reasons: z.array(z.string()),
}).strict();

export const ConnectivityReportSchema = z.object({
  /** False when a required target failed (the exit code is then 1). */
  ok: z.boolean(),
  checkedAt: z.iso.datetime(),
  /** Why some dependencies were not listed (no snapshot to read backends from, …). */
  notes: z.array(z.string()),
  targets: z.array(TargetReportSchema),
  summary: z.object({ ok: z.number().int(), warn: z.number().int(), fail: z.number().int() }).strict(),
}).strict();

export type StepStatus = z.infer<typeof StepStatusSchema>;
export type Certificate = z.infer<typeof CertificateSchema>;
export type TargetReport = z.infer<typeof TargetReportSchema>;
export type ConnectivityReport = z.infer<typeof ConnectivityReportSchema>;

export function buildReport(targets: TargetReport[], notes: string[], checkedAt: Date): ConnectivityReport {
  const count = (verdict: TargetReport['verdict']) => targets.filter((target) => target.verdict === verdict).length;
  return {
    ok: count('fail') === 0,
    checkedAt: checkedAt.toISOString(),
    notes,
    targets,
    summary: { ok: count('ok'), warn: count('warn'), fail: count('fail') },
  };
}

function dnsCell(target: TargetReport): string {
  if (target.dns.status !== 'ok') return target.dns.status;
  const [first, ...rest] = target.dns.addresses;
  return rest.length === 0 ? first ?? 'ok' : `${first} +${rest.length}`;
}

function stepCell(step: { status: StepStatus }, whenOk: string | null): string {
  if (step.status === 'ok') return whenOk ?? 'ok';
  return step.status === 'fail' ? 'fail' : '-';
}

function verdictCell(verdict: TargetReport['verdict'], paint: ChalkInstance): string {
  if (verdict === 'ok') return paint.green('ok');
  return verdict === 'warn' ? paint.yellow('WARN') : paint.red('FAIL');
}

/** The table (FQDN, port, purpose, required, each step, latency, verdict), then each target's certificate and reasons. */
export function renderReport(report: ConnectivityReport, paint: ChalkInstance): string {
  const rows = report.targets.map((target) => [
    target.host,
    String(target.port),
    target.purpose,
    target.required ? 'yes' : 'no',
    dnsCell(target),
    target.transport === 'udp' ? 'UDP: DNS only' : stepCell(target.tcp, target.via ? `ok via ${target.via}` : 'ok'),
    stepCell(target.tls, target.tls.protocol),
    target.auth.status === 'none' || target.auth.status === 'skipped' ? '-' : target.auth.label ?? target.auth.status,
    `${Math.round(target.latencyMs)} ms`,
    verdictCell(target.verdict, paint),
  ]);
  const lines = [table([['FQDN', 'PORT', 'PURPOSE', 'REQUIRED', 'DNS', 'TCP', 'TLS', 'AUTH', 'LATENCY', 'VERDICT'], ...rows], paint)];
  const details: string[] = [];
  for (const target of report.targets) {
    const where = `${target.host}:${target.port}`;
    const certificate = target.tls.certificate;
    if (certificate) {
      details.push(`${where}  ${target.tls.protocol ?? ''} ${target.tls.cipher ?? ''}; subject ${certificate.subject}; issuer ${certificate.issuer}; `
        + `expires in ${certificate.daysToExpiry} days; name ${certificate.hostnameMatch ? 'matches' : 'MISMATCH'}; chain ${certificate.chainValid ? 'valid' : `INVALID (${certificate.chainError})`}`);
    }
    for (const reason of target.reasons) details.push(`${where}  ${target.verdict === 'fail' ? paint.red(reason) : paint.yellow(reason)}`);
  }
  if (details.length > 0) lines.push('', ...details);
  return `${lines.join('\n')}\n`;
}
