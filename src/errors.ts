/**
 * The one registry of apimgw's coded errors (fastify's lib/errors.js habit):
 * every failure an operator can meet has a stable code, a one-line summary and
 * a hint saying what to do. docs/errors.md documents each code; a test keeps
 * the two in step.
 */

export const EXIT_OK = 0;
/** The check failed or the thing is broken (bad config, port in use, backend down). */
export const EXIT_FAILURE = 1;
/** Usage or settings error: the command line or env.conf must change. */
export const EXIT_USAGE = 2;

interface ErrorDefinition {
  exitCode: number;
  hint: string;
}

export const ERRORS = {
  APIMGW_E_SETTINGS_UNKNOWN: {
    exitCode: EXIT_USAGE,
    hint: 'Check the spelling against docs/settings.md or `apimgw run --help`.',
  },
  APIMGW_E_SETTINGS_INVALID: {
    exitCode: EXIT_USAGE,
    hint: 'Fix the value; docs/settings.md lists each setting with its type and default.',
  },
  APIMGW_E_ENV_FILE: {
    exitCode: EXIT_USAGE,
    hint: 'An env file holds KEY=VALUE lines; `#` starts a comment.',
  },
  APIMGW_E_CONFIG_NOT_FOUND: {
    exitCode: EXIT_FAILURE,
    hint: 'Point config.local.path (or --config) at a YAML/JSON snapshot or an APIOps extractor folder.',
  },
  APIMGW_E_CONFIG_PARSE: {
    exitCode: EXIT_FAILURE,
    hint: 'Fix the syntax at the location shown; `apimgw config validate <path>` re-checks it.',
  },
  APIMGW_E_CONFIG_INVALID: {
    exitCode: EXIT_FAILURE,
    hint: 'Fix each located error; `apimgw config validate <path>` lists them all.',
  },
  APIMGW_E_LISTEN: {
    exitCode: EXIT_FAILURE,
    hint: 'Another process holds the port: stop it or choose another port (net.server.http.port, admin.port).',
  },
  APIMGW_E_TLS_CERTIFICATE: {
    exitCode: EXIT_USAGE,
    hint: 'Check the file the message names: net.server.tls.certificate.path (PEM with its key, or a .pfx/.p12), its key path and password, or net.client.tls.ca.path (PEM).',
  },
  APIMGW_E_WORKER_EXIT: {
    exitCode: EXIT_FAILURE,
    hint: 'A worker stopped during start-up; the log line before this one says why.',
  },
  APIMGW_E_BACKUP_WRITE: {
    exitCode: EXIT_FAILURE,
    hint: 'Make config.backup.dir writable by the gateway user (or point it elsewhere) and check the disk has space; the previous backups are untouched.',
  },
  APIMGW_E_BACKUP_NOT_FOUND: {
    exitCode: EXIT_FAILURE,
    hint: '`apimgw backup list` shows the revisions kept; `apimgw backup verify` says why one fails.',
  },
  APIMGW_E_SYNC_UNAUTHORIZED: {
    exitCode: EXIT_FAILURE,
    hint: 'Renew the gateway token (`apimgw token renew`) into config.service.auth.tokenFile; a running gateway uses it from the next poll.',
  },
  APIMGW_E_SYNC_UNREACHABLE: {
    exitCode: EXIT_FAILURE,
    hint: 'Check config.service.endpoint, the network path and HTTPS_PROXY/NO_PROXY; a running gateway keeps serving its last configuration.',
  },
  APIMGW_E_SYNC_FAILED: {
    exitCode: EXIT_FAILURE,
    hint: 'Check gateway.name and config.service.endpoint name a gateway the management plane knows.',
  },
  APIMGW_E_SYNC_NO_CONFIG: {
    exitCode: EXIT_FAILURE,
    hint: 'Make the management plane reachable, or seed config.backup.dir with `apimgw backup restore <fetched file>`, then start again.',
  },
  APIMGW_E_KEYS_FILE: {
    exitCode: EXIT_FAILURE,
    hint: 'The keys file of `apimgw config serve` holds { "<gateway>": { "primary": "…", "secondary": "…" } }; fix or remove it (a new one is created, and every token must then be re-issued).',
  },
  APIMGW_E_TOKEN_INVALID: {
    exitCode: EXIT_FAILURE,
    hint: 'A gateway token reads `GatewayKey {gateway}&{yyyyMMddHHmm}&{signature}`; make a new one with `apimgw token create` or `apimgw token renew`.',
  },
  APIMGW_E_TOKEN_FILE: {
    exitCode: EXIT_FAILURE,
    hint: 'Check the token file path and its permissions (the file should be mode 0600, owned by the user running apimgw).',
  },
  APIMGW_E_TOKEN_KEY: {
    exitCode: EXIT_USAGE,
    hint: 'Pass the gateway key with --key <key> or --key @<file> (a file holding only the key, mode 0600).',
  },
  APIMGW_E_TOKEN_EXPIRY: {
    exitCode: EXIT_USAGE,
    hint: 'Use --expiry <n>d, <n>h or an ISO date (2025-06-01T12:00Z), in the future and at most 30 days away.',
  },
  APIMGW_E_TOKEN_RENEW: {
    exitCode: EXIT_FAILURE,
    hint: 'The management plane or ARM refused or did not answer: check --endpoint (or the config.arm.* and Entra settings with --from-arm), and renew with --key if the current token has expired.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERRORS;

export class ApimgwError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;
  /** Every individual finding when one error stands for several (config validation). */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, options: { hint?: string; details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApimgwError';
    this.code = code;
    this.hint = options.hint ?? ERRORS[code].hint;
    this.exitCode = ERRORS[code].exitCode;
    this.details = options.details ?? [];
  }
}

export function isApimgwError(error: unknown): error is ApimgwError {
  return error instanceof ApimgwError;
}
