/**
 * The token file (`config.service.auth.tokenFile`): one gateway token, read
 * trimmed, watched so that a renewed token is used without a restart.
 *
 * Renewals replace the file by rename (`writeFileAtomic`, kubelet secret
 * updates), which ends an fs.watch on the file itself; the directory is watched
 * instead, and a periodic stat catches what fs.watch misses (network
 * filesystems, platforms without inotify).
 */
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import { ApimgwError } from '../errors.ts';
import { writeFileAtomic } from '../fsutil/atomic-write.ts';
import { daysLeft, parseToken, TokenFormatError, type ParsedToken } from './format.ts';

export const DEFAULT_TOKEN_POLL_MS = 5_000;
/** Warnings start this many days before the token expires (DESIGN §5). */
export const EXPIRY_WARNING_DAYS = 7;

export interface TokenFileContent {
  /** The token as written in the file, trimmed; a secret: never log it. */
  text: string;
  token: ParsedToken;
  /** Findings that do not stop the token being used (file readable by others). */
  warnings: string[];
}

export function permissionWarning(file: string, mode: number): string | undefined {
  if (process.platform === 'win32' || (mode & 0o077) === 0) return undefined;
  const octal = (mode & 0o777).toString(8).padStart(4, '0');
  return `the token file ${file} can be read by other users (mode ${octal}); run chmod 600 ${file}`;
}

function contentFrom(file: string, text: string, mode: number): TokenFileContent {
  try {
    const token = parseToken(text);
    const warning = permissionWarning(file, mode);
    return { text: text.trim(), token, warnings: warning ? [warning] : [] };
  } catch (error) {
    if (error instanceof TokenFormatError) throw new ApimgwError('APIMGW_E_TOKEN_INVALID', `the token file ${file} does not hold a gateway token: ${error.message}`);
    throw error;
  }
}

function fileError(file: string, error: unknown): ApimgwError {
  const code = (error as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable by this user' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(error)})`;
  return new ApimgwError('APIMGW_E_TOKEN_FILE', `the token file ${file} ${why}`, { cause: error });
}

/** Reads and parses a token file; throws APIMGW_E_TOKEN_FILE or APIMGW_E_TOKEN_INVALID. */
export function readTokenFile(file: string): TokenFileContent {
  let text: string;
  let mode: number;
  try {
    text = fs.readFileSync(file, 'utf8');
    mode = fs.statSync(file).mode;
  } catch (error) {
    throw fileError(file, error);
  }
  return contentFrom(file, text, mode);
}

/** Replaces the token file atomically, mode 0600: a watcher never reads half a token. */
export async function writeTokenFile(file: string, token: string): Promise<void> {
  try {
    await writeFileAtomic(file, `${token}\n`, { mode: 0o600 });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ApimgwError('APIMGW_E_TOKEN_FILE', `cannot write the token file ${file} (${code})`, { cause: error });
  }
}

/** A warning line from EXPIRY_WARNING_DAYS before expiry, an error line once expired; undefined otherwise. */
export function expiryNotice(token: ParsedToken, now: Date = new Date()): { level: 'warn' | 'error'; message: string } | undefined {
  const days = daysLeft(token.expiry, now);
  if (days <= 0) return { level: 'error', message: `the gateway token for "${token.gatewayId}" expired at ${token.expiry.toISOString()}; renew it (apimgw token renew)` };
  if (days <= EXPIRY_WARNING_DAYS) {
    return { level: 'warn', message: `the gateway token for "${token.gatewayId}" expires in ${days.toFixed(1)} days (${token.expiry.toISOString()}); renew it (apimgw token renew)` };
  }
  return undefined;
}

interface TokenFileEvents {
  /** The file now holds a different, well-formed token. */
  change: [TokenFileContent];
  /** The file went missing or holds something that is not a token; the previous token stays current. */
  problem: [ApimgwError];
}

export interface TokenFileOptions {
  /** How often the file is stat'ed in case fs.watch missed a change. */
  pollIntervalMs?: number;
  /** false: rely on the stat poll alone (filesystems where fs.watch reports nothing, such as some network mounts). */
  watch?: boolean;
}

/**
 * A token file read at open and re-read when it changes. `current` is always
 * the last well-formed token; a broken or missing file is reported once per
 * occurrence through `problem` and never replaces it.
 */
export class TokenFile extends EventEmitter<TokenFileEvents> {
  readonly path: string;
  #current: TokenFileContent;
  #lastStat: string;
  #lastProblem: string | undefined;
  #watcher: fs.FSWatcher | undefined;
  #timer: NodeJS.Timeout;
  #checking = false;
  #checkAgain = false;
  #closed = false;

  /** Reads the file now (throwing like readTokenFile) and starts watching it. */
  constructor(file: string, options: TokenFileOptions = {}) {
    super();
    this.path = path.resolve(file);
    this.#current = readTokenFile(this.path);
    this.#lastStat = statSignature(this.path);
    const name = path.basename(this.path);
    if (options.watch !== false) this.#watch(name);
    this.#timer = setInterval(() => {
      if (statSignature(this.path) !== this.#lastStat) this.#check();
    }, options.pollIntervalMs ?? DEFAULT_TOKEN_POLL_MS).unref();
  }

  #watch(name: string): void {
    try {
      this.#watcher = fs.watch(path.dirname(this.path), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name) this.#check();
      });
      this.#watcher.on('error', () => this.#stopWatching());
    } catch {
      // No fs.watch here (or on this filesystem): the stat poll carries on alone.
    }
  }

  get current(): TokenFileContent {
    return this.#current;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#stopWatching();
  }

  #stopWatching(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #check(): void {
    if (this.#checking) {
      this.#checkAgain = true;
      return;
    }
    this.#checking = true;
    void this.#reread().finally(() => {
      this.#checking = false;
      if (this.#checkAgain && !this.#closed) {
        this.#checkAgain = false;
        this.#check();
      }
    });
  }

  async #reread(): Promise<void> {
    this.#lastStat = statSignature(this.path);
    let content: TokenFileContent;
    try {
      const [text, stat] = await Promise.all([fs.promises.readFile(this.path, 'utf8'), fs.promises.stat(this.path)]);
      content = contentFrom(this.path, text, stat.mode);
    } catch (error) {
      const problem = error instanceof ApimgwError ? error : fileError(this.path, error);
      if (problem.message !== this.#lastProblem && !this.#closed) {
        this.#lastProblem = problem.message;
        this.emit('problem', problem);
      }
      return;
    }
    this.#lastProblem = undefined;
    if (content.text === this.#current.text || this.#closed) return;
    this.#current = content;
    this.emit('change', content);
  }
}

function statSignature(file: string): string {
  try {
    const stat = fs.statSync(file);
    return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.mode}`;
  } catch {
    return 'missing';
  }
}
