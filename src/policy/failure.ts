/**
 * A policy refusing a request the APIM way (429 rate limit, 401 check-header,
 * 403 ip-filter …): thrown by a step, it becomes context.LastError and the
 * prepared error response, then on-error runs. `message` is what the caller
 * sees in `{ "statusCode": N, "message": "…" }`; `lastErrorMessage` what
 * LastError.Message holds when the two differ (rate-limit).
 */
export class PolicyFailure extends Error {
  readonly statusCode: number;
  readonly reason: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly lastErrorMessage: string;

  constructor(statusCode: number, reason: string, message: string, options: { headers?: Record<string, string>; lastErrorMessage?: string } = {}) {
    super(message);
    this.name = 'PolicyFailure';
    this.statusCode = statusCode;
    this.reason = reason;
    this.headers = options.headers ?? {};
    this.lastErrorMessage = options.lastErrorMessage ?? message;
  }
}
