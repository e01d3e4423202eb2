import type { Logger } from '../logger.ts';
import { OTLP_SCOPE, otlpFailureHint, otlpUrl, postOtlp, type OtlpResource } from '../otlp.ts';
import type { OtlpSpan } from './spans.ts';

/**
 * Sends spans to an OTLP/HTTP collector as JSON (`POST {uri}/v1/traces`),
 * in batches: every EXPORT_INTERVAL_MS, or at once when MAX_BATCH spans
 * wait. One request in flight at a time; spans beyond MAX_QUEUE are
 * dropped and counted, as is a batch the collector refused or never
 * answered (the queue must not grow while the collector is down, and a
 * request never waits for the exporter).
 */

const EXPORT_INTERVAL_MS = 1000;
const MAX_BATCH = 512;
const MAX_QUEUE = 4096;

export class OtlpTraceExporter {
  readonly #url: string;
  /** What logs name: the origin only, as the URL may hold credentials. */
  readonly #shown: string;
  readonly #resource: OtlpResource;
  readonly #logger: Logger;
  readonly #timer: NodeJS.Timeout;
  #queue: OtlpSpan[] = [];
  #sending: Promise<void> | undefined;
  #dropped = 0;
  #failing = false;

  constructor(options: { collectorUri: string; resource: OtlpResource; logger: Logger }) {
    this.#url = otlpUrl(options.collectorUri, 'traces');
    this.#shown = new URL(this.#url).origin;
    this.#resource = options.resource;
    this.#logger = options.logger;
    this.#timer = setInterval(() => void this.flush(), EXPORT_INTERVAL_MS).unref();
  }

  /** Spans dropped so far: queue full, or the collector refused or missed their batch. */
  get dropped(): number {
    return this.#dropped;
  }

  add(spans: readonly OtlpSpan[]): void {
    if (this.#queue.length + spans.length > MAX_QUEUE) {
      this.#dropped += spans.length;
      return;
    }
    for (const span of spans) this.#queue.push(span);
    if (this.#queue.length >= MAX_BATCH && this.#sending === undefined) void this.flush();
  }

  /** Sends everything queued (in batches); resolves when done. Never rejects. */
  async flush(): Promise<void> {
    if (this.#sending) return this.#sending;
    this.#sending = this.#sendAll().finally(() => (this.#sending = undefined));
    return this.#sending;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.flush();
    if (this.#dropped > 0) this.#logger.warn({ dropped: this.#dropped, collector: this.#shown }, 'trace spans dropped');
  }

  async #sendAll(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      await this.#send(batch);
    }
  }

  async #send(spans: OtlpSpan[]): Promise<void> {
    try {
      await postOtlp(this.#url, JSON.stringify({ resourceSpans: [{ resource: this.#resource, scopeSpans: [{ scope: OTLP_SCOPE, spans }] }] }));
      if (this.#failing) this.#logger.info({ collector: this.#shown, dropped: this.#dropped }, 'trace export works again');
      this.#failing = false;
    } catch (error) {
      this.#dropped += spans.length;
      // One warning per outage, not one per batch.
      if (!this.#failing) this.#logger.warn({ collector: this.#shown, err: error instanceof Error ? error.message : String(error), hint: otlpFailureHint(this.#url) }, 'trace export failed; spans are dropped until the collector answers');
      this.#failing = true;
    }
  }
}
