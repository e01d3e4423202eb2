import type { Logger } from './logger.ts';
import { postJson } from './post-json.ts';
import type { EventSink, HubEvent } from './event-sink.ts';

/**
 * log-to-eventhub events POSTed to an HTTP(S) endpoint as JSON arrays
 * (Fluent Bit, Vector, Logstash and most collectors take that): batches of
 * up to MAX_BATCH every FLUSH_MS, one request in flight. A failed batch
 * (network error, timeout, non-2xx) stays at the head of the buffer and is
 * retried with exponential backoff (1 s doubling to 30 s), so events
 * survive the endpoint being down for a while; once `capacity` events wait,
 * new ones are dropped and counted.
 */

const FLUSH_MS = 200;
const MAX_BATCH = 500;
const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** How long close() keeps trying to deliver what is buffered. */
const CLOSE_DEADLINE_MS = 5000;

export class HttpEventSink implements EventSink {
  readonly #url: string;
  /** What logs name: the origin only, as the URL's path or query may hold a token. */
  readonly #shown: string;
  readonly #capacity: number;
  readonly #logger: Logger;
  #buffer: HubEvent[] = [];
  #timer: NodeJS.Timeout | undefined;
  #sending = false;
  #retryMs = 0;
  #dropped = 0;
  #closed = false;

  constructor(url: string, capacity: number, logger: Logger) {
    this.#url = url;
    this.#shown = new URL(url).origin;
    this.#capacity = capacity;
    this.#logger = logger;
  }

  get dropped(): number {
    return this.#dropped;
  }

  send(event: HubEvent): void {
    if (this.#buffer.length >= this.#capacity) {
      if (this.#dropped === 0) this.#logger.warn({ endpoint: this.#shown, buffered: this.#buffer.length }, 'log-to-eventhub buffer full; new events are dropped until the endpoint takes them');
      this.#dropped++;
      return;
    }
    this.#buffer.push(event);
    this.#schedule(FLUSH_MS);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const deadline = Date.now() + CLOSE_DEADLINE_MS;
    while (this.#buffer.length > 0 && Date.now() < deadline) {
      // A batch already on its way (or refused) is awaited a little before the next try.
      if (this.#sending || !(await this.#sendBatch())) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    if (this.#buffer.length > 0 || this.#dropped > 0) {
      this.#logger.warn({ endpoint: this.#shown, undelivered: this.#buffer.length, dropped: this.#dropped }, 'log-to-eventhub events not delivered');
    }
  }

  #schedule(delayMs: number): void {
    if (this.#timer !== undefined || this.#sending || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#flush();
    }, delayMs);
    this.#timer.unref();
  }

  async #flush(): Promise<void> {
    const delivered = await this.#sendBatch();
    if (this.#buffer.length === 0) return;
    this.#schedule(delivered ? 0 : this.#retryMs);
  }

  /** Sends the oldest batch; true when the endpoint took it. */
  async #sendBatch(): Promise<boolean> {
    if (this.#sending || this.#buffer.length === 0) return true;
    this.#sending = true;
    const batch = this.#buffer.slice(0, MAX_BATCH);
    try {
      await postJson(this.#url, JSON.stringify(batch), REQUEST_TIMEOUT_MS);
      this.#buffer.splice(0, batch.length);
      if (this.#retryMs > 0) this.#logger.info({ endpoint: this.#shown }, 'log-to-eventhub endpoint takes events again');
      this.#retryMs = 0;
      return true;
    } catch (error) {
      if (this.#retryMs === 0) this.#logger.warn({ endpoint: this.#shown, err: error instanceof Error ? error.message : String(error), buffered: this.#buffer.length }, 'log-to-eventhub endpoint failed; events are kept and retried');
      this.#retryMs = this.#retryMs === 0 ? FIRST_RETRY_MS : Math.min(this.#retryMs * 2, MAX_RETRY_MS);
      return false;
    } finally {
      this.#sending = false;
    }
  }
}
