import fs from 'node:fs';
import type { Command } from 'commander';
import ora from 'ora';
import { loadConfigured } from '../../config/source.ts';
import { loadSnapshotJson } from '../../config/sync/snapshot.ts';
import type { Snapshot } from '../../config/model.ts';
import { fetchSnapshotFromArm } from '../../config/arm/fetch-once.ts';
import { SyncFailure } from '../../config/sync/client.ts';
import { dispatcherHttpClient } from '../../connectivity/arm.ts';
import { configEndpointAuth } from '../../connectivity/config-endpoint.ts';
import { parseResolve, proxySettings } from '../../connectivity/network.ts';
import { probeDispatcher, probeTarget, type ProbeOptions } from '../../connectivity/probe.ts';
import { buildReport, renderReport, type TargetReport } from '../../connectivity/report.ts';
import { ARM_PURPOSE, backendTargets, parseExtraTarget, settingsTargets, urlTarget, type Target } from '../../connectivity/targets.ts';
import { EXIT_FAILURE, isApimgwError } from '../../errors.ts';
import type { Settings } from '../../settings/schema.ts';
import { colours } from '../ui/output.ts';
import { addSettingsOptions, settingsFrom, type SettingsFlags } from '../settings-options.ts';
import type { CommandContext } from '../program.ts';

interface CheckFlags extends SettingsFlags {
  backends?: boolean;
  target: string[];
  resolve: string[];
  timeout: string;
  ca?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];
const MAX_TIMEOUT_SECONDS = 600;

/** The snapshot `--backends` reads: the one just fetched from the management plane, else the local configuration. */
function snapshotForBackends(settings: Settings, fetched: string | undefined, notes: string[]): Snapshot | undefined {
  if (settings['config.service.endpoint'] === undefined) return loadConfigured(settings).snapshot;
  if (fetched === undefined) {
    notes.push('backends not checked: the configuration could not be fetched from the management plane');
    return undefined;
  }
  try {
    return loadSnapshotJson(fetched, settings['config.service.endpoint'], settings).snapshot;
  } catch (error) {
    if (!isApimgwError(error)) throw error;
    notes.push(`backends not checked: the fetched configuration is refused (${error.message})`);
    return undefined;
  }
}

/**
 * ARM mode's `--backends`: the snapshot built from ARM as `apimgw run` builds
 * it (one sync's reads), through the probe's dispatcher for ARM, once ARM's
 * own row has passed.
 */
async function armSnapshotForBackends(settings: Settings, armRow: TargetReport | undefined, options: ProbeOptions, notes: string[]): Promise<Snapshot | undefined> {
  if (armRow?.auth.status !== 'ok') {
    notes.push('backends not checked: the configuration could not be read from ARM (see the Azure Resource Manager row)');
    return undefined;
  }
  const arm = urlTarget(settings['config.arm.endpoint']);
  const { dispatcher } = probeDispatcher({ host: arm.host, port: arm.port, proxyScheme: arm.scheme }, options);
  try {
    const fetched = await fetchSnapshotFromArm({ ...settings, 'config.service.integration.timeout': options.timeoutMs / 1000 }, { httpClient: dispatcherHttpClient(dispatcher), maxRetries: 3 });
    notes.push(`backends from the configuration built from ARM (${fetched.armCalls} ARM requests${fetched.armThrottled > 0 ? `, ${fetched.armThrottled} throttled` : ''})`);
    return fetched.config.snapshot;
  } catch (error) {
    if (error instanceof SyncFailure) notes.push(`backends not checked: ${error.message}`);
    else if (isApimgwError(error)) notes.push(`backends not checked: the configuration built from ARM is refused (${error.message})`);
    else throw error;
    return undefined;
  } finally {
    void dispatcher.destroy().catch(() => undefined);
  }
}

export function registerCheckConnectivity(program: Command, context: CommandContext): void {
  addSettingsOptions(program.command('check-connectivity')
    .description('list every endpoint the gateway depends on (from its settings and configuration) and probe each: DNS, TCP, TLS, and the authenticated request (the management plane\'s configuration GET; in ARM mode the Entra sign-in and an ARM read of the gateway); exit 1 when a required one fails')
    .option('--backends', 'also probe the backends and API service URLs of the configuration')
    .option('--target <host:port|url>', 'also probe this endpoint: host:port (TCP), tls://host:port or https://host[:port] (TCP + TLS); repeatable', collect, [])
    .option('--resolve <host:port:address>', 'connect to address for host:port instead of resolving it, as curl --resolve; repeatable', collect, [])
    .option('--timeout <seconds>', 'time allowed for each step', '5')
    .option('--ca <file>', 'PEM certificates to trust on top of the system store (the gateway: NODE_EXTRA_CA_CERTS)')
    .option('--json', 'print the report as JSON on stdout'))
    .addHelpText('after', `
Examples:
  apimgw check-connectivity --env-file /etc/apimgw/env.conf
  apimgw check-connectivity --env-file /etc/apimgw/env.conf --backends --json
  apimgw check-connectivity --set config.service.endpoint=https://mp.example.com --set config.service.auth.tokenFile=gw1.token \\
      --resolve mp.example.com:443:10.0.0.5 --ca corp-root.pem
  apimgw check-connectivity --target redis.internal:6379 --target https://api.partner.example

Required (a failure exits 1): the management plane (config.service.endpoint), Entra ID and
ARM (config.arm.endpoint, with config.arm.serviceResourceId), backends (--backends), --target.
AUTH in ARM mode: ok, InvalidCredentials (Entra refused the app), NoCredential, unreachable,
Forbidden (ARM 403: the identity lacks a role action), NotFound (instance or gateway.name).
Optional (a failure is a warning): OpenTelemetry collector, log-to-eventhub URL, StatsD (UDP: DNS only), Redis.
HTTP_PROXY / HTTPS_PROXY / NO_PROXY apply to the management plane, Entra ID and ARM, as in the gateway.`)
    .action(async function (this: Command, flags: CheckFlags) {
      const { io } = context;
      let overrides;
      let extraTargets: Target[];
      try {
        overrides = parseResolve(flags.resolve);
        extraTargets = flags.target.map(parseExtraTarget);
      } catch (error) {
        if (!(error instanceof RangeError)) throw error;
        this.error(`error: ${error.message}`);
      }
      const timeoutSeconds = Number(flags.timeout);
      if (!(timeoutSeconds > 0 && timeoutSeconds <= MAX_TIMEOUT_SECONDS)) this.error(`error: --timeout "${flags.timeout}": expected seconds, more than 0 and at most ${MAX_TIMEOUT_SECONDS}`);
      const extraCa: string[] = [];
      if (flags.ca !== undefined) {
        let pem: string;
        try {
          pem = fs.readFileSync(flags.ca, 'utf8');
        } catch (error) {
          this.error(`error: --ca ${flags.ca}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
        }
        if (!pem.includes('-----BEGIN CERTIFICATE-----')) this.error(`error: --ca ${flags.ca}: no PEM certificate in it`);
        extraCa.push(pem);
      }
      const { settings } = settingsFrom(flags, io.env);
      const config = configEndpointAuth(settings);
      const [first, ...others] = settingsTargets(settings, config.auth);
      const options: ProbeOptions = { timeoutMs: timeoutSeconds * 1000, overrides, extraCa, proxies: proxySettings(io.env) };

      const spinner = io.stderr.isTTY === true && !flags.json && io.env.CI === undefined && io.env.NO_COLOR === undefined
        ? ora({ text: 'checking connectivity', stream: io.stderr, isEnabled: true, discardStdin: false }).start()
        : undefined;
      let done = 0;
      const probe = async (target: Target) => {
        if (spinner) spinner.text = `checking ${target.host}:${target.port} (${target.purpose})`;
        const result = await probeTarget(target, options);
        done += 1;
        if (spinner) spinner.text = `checked ${done} endpoints`;
        return result;
      };
      const notes: string[] = [];
      const results: TargetReport[] = [];
      try {
        if (settings['config.arm.serviceResourceId'] !== undefined) {
          // ARM mode: Entra ID and ARM first; with --backends, the configuration read from ARM names the backends.
          results.push(...await Promise.all([first, ...others].filter((target): target is Target => target !== undefined).map(probe)));
          const armRow = results.find((result) => result.purpose === ARM_PURPOSE);
          const backends = flags.backends ? await armSnapshotForBackends(settings, armRow, options, notes) : undefined;
          results.push(...await Promise.all([...(backends ? backendTargets(backends) : []), ...extraTargets].map(probe)));
        } else {
          // The management plane first: with --backends, the configuration it serves names the backends.
          if (first) results.push(await probe(first));
          const backends = flags.backends ? snapshotForBackends(settings, config.fetched(), notes) : undefined;
          const rest = [...others, ...(backends ? backendTargets(backends) : []), ...extraTargets];
          results.push(...await Promise.all(rest.map(probe)));
        }
      } finally {
        spinner?.stop();
      }
      if (results.length === 0) {
        notes.push('nothing to check: config.service.endpoint is not set (local configuration) and no optional dependency is configured; add --backends or --target host:port');
      }

      const report = buildReport(results, notes, new Date());
      if (!report.ok) context.exitCode = EXIT_FAILURE;
      if (flags.json) {
        io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const paint = colours(io, 'stdout');
      io.stdout.write(results.length > 0 ? renderReport(report, paint) : '');
      const { ok, warn, fail } = report.summary;
      const summary = `${results.length} endpoint${results.length === 1 ? '' : 's'}: ${ok} ok, ${warn} with warnings, ${fail} failed`;
      const status = colours(io);
      for (const note of report.notes) io.stderr.write(`note: ${note}\n`);
      io.stderr.write(fail > 0
        ? `${status.red(summary)}: a required endpoint cannot be used\n`
        : `${warn > 0 ? status.yellow(summary) : status.green(summary)}: every required endpoint is reachable\n`);
    });
}
