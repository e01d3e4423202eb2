import { AggregatorRegistry, type Registry } from 'prom-client';
import { isMonotonic, METRIC_PREFIX, type MetricFamily, type MetricValue } from './families.ts';

/**
 * The primary's side of /metrics: asks every worker for its metric families
 * over the cluster IPC channel, sums them (prom-client's aggregator), adds the
 * primary's own families and renders the Prometheus text format.
 *
 * Its messages are `metrics-request` / `metrics-reply` (src/runtime/messages.ts),
 * distinct from prom-client's own AggregatorRegistry.clusterMetrics() protocol,
 * which is not used: that one fails the whole scrape when a worker exits
 * while it waits (5 s timeout) and forgets an exited worker's counts.
 * Here a worker that does not answer within the timeout, or exits meanwhile,
 * is represented by the families it last reported; a worker that exits leaves
 * its last counters and histograms behind, so totals never go down when a
 * crashed worker is replaced (what it counted after the last scrape is lost).
 */

/** A worker as the primary sees it: a cluster Worker. */
export interface MetricsPeer {
  readonly id: number;
  isConnected(): boolean;
  send(message: { type: 'metrics-request'; id: number }): boolean;
}

export const PROMETHEUS_CONTENT_TYPE = AggregatorRegistry.PROMETHEUS_CONTENT_TYPE;

interface Pending {
  readonly requestId: number;
  readonly resolve: (families: MetricFamily[] | undefined) => void;
}

export class ClusterMetrics {
  readonly #timeoutMs: number;
  readonly #lastReported = new Map<number, MetricFamily[]>();
  readonly #pending = new Map<number, Pending[]>();
  /** Counters and histograms of workers that exited, already summed. */
  #retired: MetricFamily[] = [];
  #nextRequestId = 0;

  constructor(options: { timeoutMs: number }) {
    this.#timeoutMs = options.timeoutMs;
  }

  /** A reply from worker `workerId`; false if `message` is not one. */
  receive(workerId: number, message: unknown): boolean {
    if (!isMetricsReply(message)) return false;
    this.#lastReported.set(workerId, message.families);
    const waiting = this.#pending.get(workerId);
    const index = waiting?.findIndex((pending) => pending.requestId === message.id) ?? -1;
    if (index !== -1) waiting!.splice(index, 1)[0]!.resolve(message.families);
    return true;
  }

  /** Worker `workerId` exited: its counters stay in the totals, an open request for it is answered from what it last reported. */
  retire(workerId: number): void {
    for (const pending of this.#pending.get(workerId) ?? []) pending.resolve(undefined);
    this.#pending.delete(workerId);
    const last = this.#lastReported.get(workerId);
    this.#lastReported.delete(workerId);
    if (last !== undefined) this.#retired = sumMonotonic(this.#retired, last);
  }

  /**
   * Every worker's families (fresh, or the counters it last reported when it
   * is slow or gone) summed, plus the primary's own, which `own` builds
   * knowing how many workers did not answer.
   */
  async render(workers: readonly MetricsPeer[], own: (unanswered: number) => MetricFamily[]): Promise<string> {
    return (await this.#aggregate(workers, own, isPrometheusFamily)).metrics();
  }

  /** What render() shows, as families (for the OTLP exporter). */
  async families(workers: readonly MetricsPeer[], own: (unanswered: number) => MetricFamily[]): Promise<MetricFamily[]> {
    // prom-client's MetricType enum holds the same strings as MetricKind.
    return (await (await this.#aggregate(workers, own)).getMetricsAsJSON()) as unknown as MetricFamily[];
  }

  async #aggregate(workers: readonly MetricsPeer[], own: (unanswered: number) => MetricFamily[], include: (family: MetricFamily) => boolean = () => true): Promise<Registry> {
    const replies = await Promise.all(workers.map((worker) => this.#ask(worker)));
    const unanswered = replies.filter((reply) => reply === undefined).length;
    const reported = workers.map((worker, i) => replies[i] ?? this.#lastReported.get(worker.id)?.filter(isMonotonic) ?? []);
    return AggregatorRegistry.aggregate([this.#retired, ...reported, own(unanswered)].map((families) => families.filter(include)));
  }

  #ask(worker: MetricsPeer): Promise<MetricFamily[] | undefined> {
    if (!worker.isConnected()) return Promise.resolve(undefined);
    const requestId = this.#nextRequestId++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.#timeoutMs);
      const settle = (families: MetricFamily[] | undefined) => {
        clearTimeout(timer);
        const waiting = this.#pending.get(worker.id);
        const index = waiting?.findIndex((pending) => pending.requestId === requestId) ?? -1;
        if (index !== -1) waiting!.splice(index, 1);
        resolve(families);
      };
      const waiting = this.#pending.get(worker.id) ?? [];
      waiting.push({ requestId, resolve: settle });
      this.#pending.set(worker.id, waiting);
      // A worker between exit and its 'exit' event cannot take the message: it then counts as not answering.
      try {
        worker.send({ type: 'metrics-request', id: requestId });
      } catch {
        settle(undefined);
      }
    });
  }
}

/** /metrics serves apimgw_ names only: the Azure gateway's OpenTelemetry instruments go over OTLP alone. */
function isPrometheusFamily(family: MetricFamily): boolean {
  return family.name.startsWith(METRIC_PREFIX);
}

/** `a` plus the counters, histograms and summaries of `b`, series by series (gauges of `b` are dropped: they describe a process that is gone). */
export function sumMonotonic(a: readonly MetricFamily[], b: readonly MetricFamily[]): MetricFamily[] {
  const byName = new Map(a.map((family) => [family.name, { ...family, values: family.values.map((value) => ({ ...value })) }]));
  for (const family of b.filter(isMonotonic)) {
    const into = byName.get(family.name);
    if (into === undefined) {
      byName.set(family.name, { ...family, values: family.values.map((value) => ({ ...value })) });
      continue;
    }
    const index = new Map(into.values.map((value) => [seriesKey(value), value]));
    for (const value of family.values) {
      const existing = index.get(seriesKey(value));
      if (existing) existing.value += value.value;
      else into.values.push({ ...value });
    }
  }
  return [...byName.values()];
}

function seriesKey(value: MetricValue): string {
  return JSON.stringify([value.metricName ?? '', Object.entries(value.labels).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))]);
}

export interface MetricsReply {
  type: 'metrics-reply';
  id: number;
  families: MetricFamily[];
}

function isMetricsReply(message: unknown): message is MetricsReply {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'metrics-reply'
    && typeof (message as { id?: unknown }).id === 'number' && Array.isArray((message as { families?: unknown }).families);
}
