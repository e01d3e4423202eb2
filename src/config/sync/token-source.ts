import fs from 'node:fs';
import { ApimgwError } from '../../errors.ts';
import { parseToken, TokenFormatError, TOKEN_SCHEME, type ParsedToken } from '../../token/format.ts';
import { readTokenFile } from '../../token/token-file.ts';
import type { Settings } from '../../settings/schema.ts';
import { SyncFailure } from './client.ts';

export type TokenSettings = Pick<Settings, 'config.service.auth' | 'config.service.auth.tokenFile'>;

/**
 * The gateway token for the next request: the token file when one is set,
 * else the literal setting. The file is stat'ed before every request and read
 * again when it changed, so a token renewed by `apimgw token renew` (or a
 * kubelet secret update) is used from the very next poll, with no watcher
 * timing to depend on. A token that cannot be read or parsed is an
 * `unauthorized` failure, reported like a refused one. Messages never hold the token.
 */
export class TokenSource {
  readonly #literal: string | undefined;
  readonly #file: string | undefined;
  readonly #onWarning: (message: string) => void;
  #cached: { stamp: string; token: ParsedToken } | undefined;

  constructor(settings: TokenSettings, onWarning: (message: string) => void) {
    this.#literal = settings['config.service.auth'];
    this.#file = settings['config.service.auth.tokenFile'];
    this.#onWarning = onWarning;
  }

  /** The parsed token now in force; throws SyncFailure('unauthorized') when there is none usable. */
  current(): ParsedToken {
    if (this.#file !== undefined) return this.#fromFile(this.#file);
    if (this.#literal === undefined) {
      throw new SyncFailure('unauthorized', 'NoToken', 'neither config.service.auth nor config.service.auth.tokenFile is set',
        'Set config.service.auth.tokenFile to a file holding the gateway token (`apimgw token create`).');
    }
    try {
      return parseToken(this.#literal);
    } catch (error) {
      if (!(error instanceof TokenFormatError)) throw error;
      throw new SyncFailure('unauthorized', 'MalformedToken', `config.service.auth does not hold a gateway token: ${error.message}`,
        'Set it to a token made by `apimgw token create` (or the portal): GatewayKey {gateway}&{yyyyMMddHHmm}&{signature}.');
    }
  }

  /** The `Authorization` header value. */
  authorization(): string {
    const token = this.current();
    return `${TOKEN_SCHEME} ${token.gatewayId}&${token.expiryText}&${token.signature}`;
  }

  #fromFile(file: string): ParsedToken {
    const stat = fs.statSync(file, { throwIfNoEntry: false });
    const stamp = stat ? `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.mode}` : 'missing';
    if (this.#cached?.stamp === stamp) return this.#cached.token;
    try {
      const content = readTokenFile(file);
      for (const warning of content.warnings) this.#onWarning(warning);
      this.#cached = { stamp, token: content.token };
      return content.token;
    } catch (error) {
      if (!(error instanceof ApimgwError)) throw error;
      throw new SyncFailure('unauthorized', error.code === 'APIMGW_E_TOKEN_FILE' ? 'NoToken' : 'MalformedToken', error.message, error.hint);
    }
  }
}
