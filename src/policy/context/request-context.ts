import type { ServerResponse } from 'node:http';
import { DateTime, DateTimeKind, TimeSpan } from '../expression/runtime/datetime.ts';
import type { Section } from '../types.ts';
import { VariableDictionary } from './dictionary.ts';
import type { RequestMessage, ResponseMessage } from './message.ts';
import type { ApiView, DeploymentView, LastError, OperationView, ProductView, SubscriptionView } from './views.ts';

/** Registers a callback for when the client goes away (immediately if it already has). */
export type ClientGoneWatcher = (onGone: () => void) => void;

/** The entities a request was matched to; views are shared, built once per snapshot. */
export interface RouteContext {
  readonly api: ApiView;
  /** null when no operation of the API matched (only its on-error policies run). */
  readonly operation: OperationView | null;
  readonly product: ProductView | null;
  readonly subscription: SubscriptionView | null;
  readonly deployment: DeploymentView;
}

/**
 * One request's state while policies run. Policies mutate it through the
 * camelCase members; expressions see it as APIM's `context` through the
 * PascalCase ones (read-only by construction: the expression runtime reaches
 * PascalCase members only).
 */
export class RequestContext {
  readonly request: RequestMessage;
  response: ResponseMessage;
  #variables: VariableDictionary | undefined;
  readonly route: RouteContext;
  readonly requestId: string;
  /** Epoch milliseconds when the request arrived. */
  readonly receivedAt: number;
  readonly #startedAt: number;
  section: Section = 'inbound';
  /** A policy answered the request (return-response, mock-response, a cache hit): the remaining policies are skipped. */
  ended = false;
  lastError: LastError | null = null;
  /** Set by set-backend-service backend-id: the backend entity requests go to. */
  backendId: string | undefined;
  /** The backend's status and time to headers, for the request log; undefined until a backend answered. */
  backendStatus: number | undefined;
  backendTimeMs: number | undefined;
  /** performance.now() when the backend request was sent, for the request record's phases. */
  backendStartedAt: number | undefined;
  /** For the request log: whether cache-lookup answered (hit) or ran without an entry (miss). */
  cache: 'hit' | 'miss' | 'none' = 'none';
  /** With tracing enabled: the traceparent forward-request sends to the backend. */
  traceparent: string | undefined;
  /** Work due once the response is final (deferred rate-limit counting, remaining-calls headers); run by the pipeline. */
  readonly beforeResponse: Array<(context: RequestContext) => void | Promise<void>> = [];
  /**
   * Where the backend's response may be streamed straight to the client (the
   * plan has no outbound policies); set by the data plane. `responded` tells it
   * the response is already on its way.
   */
  directResponse: ServerResponse | undefined;
  responded = false;
  readonly #clientGone: ClientGoneWatcher;
  #abort: AbortController | undefined;

  constructor(init: { request: RequestMessage; response: ResponseMessage; route: RouteContext; requestId: string; clientGone: ClientGoneWatcher }) {
    this.request = init.request;
    this.response = init.response;
    this.route = init.route;
    this.requestId = init.requestId;
    this.#clientGone = init.clientGone;
    this.receivedAt = Date.now();
    this.#startedAt = performance.now();
  }

  /** Milliseconds since the request arrived. */
  elapsedMs(): number {
    return performance.now() - this.#startedAt;
  }

  /** Aborted when the client goes away, so calls and waits stop too; created on first use, most requests never need it. */
  get signal(): AbortSignal {
    if (!this.#abort) {
      const controller = new AbortController();
      this.#abort = controller;
      this.#clientGone(() => controller.abort());
    }
    return this.#abort.signal;
  }

  /** Runs the beforeResponse tasks now (the response is about to be written); later work they start is not awaited. */
  flushBeforeResponse(): void {
    const tasks = this.beforeResponse.splice(0);
    for (const task of tasks) {
      try {
        const pending = task(this);
        if (pending) pending.catch(() => { /* bookkeeping only: the response is already out */ });
      } catch {
        // Bookkeeping must not turn a served request into an error.
      }
    }
  }

  backendResponded(statusCode: number, headersAfterMs: number, startedAt: number): void {
    this.backendStatus = statusCode;
    this.backendTimeMs = headersAfterMs;
    this.backendStartedAt = startedAt;
  }

  /** Ends the pipeline with the response as it stands. */
  end(): void {
    this.ended = true;
  }

  get Request(): RequestMessage {
    return this.request;
  }

  get Response(): ResponseMessage {
    return this.response;
  }

  /** Created on first use: most requests set no variable. */
  get variables(): VariableDictionary {
    this.#variables ??= new VariableDictionary();
    return this.#variables;
  }

  get Variables(): VariableDictionary {
    return this.variables;
  }

  get Api(): ApiView {
    return this.route.api;
  }

  get Operation(): OperationView | null {
    return this.route.operation;
  }

  get Product(): ProductView | null {
    return this.route.product;
  }

  get Subscription(): SubscriptionView | null {
    return this.route.subscription;
  }

  /** Snapshots carry no developer accounts: requests have no user, as with a subscription not owned by one. */
  get User(): null {
    return null;
  }

  get Deployment(): DeploymentView {
    return this.route.deployment;
  }

  get LastError(): LastError | null {
    return this.lastError;
  }

  get RequestId(): string {
    return this.requestId;
  }

  /** When the request arrived (UTC). */
  get Timestamp(): DateTime {
    return DateTime.of(this.receivedAt, DateTimeKind.Utc);
  }

  get Elapsed(): TimeSpan {
    return TimeSpan.fromMs(this.elapsedMs());
  }

  get Tracing(): boolean {
    return false;
  }

  /** APIM writes this to request traces, which apimgw does not produce; accepted and dropped. */
  Trace(_message: string): void {}
}
