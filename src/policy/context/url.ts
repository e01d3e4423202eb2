import { MultiValueDictionary } from './dictionary.ts';

/**
 * IUrl of the context model. A request's Url is the BACKEND URL (APIM
 * computes it before inbound runs: serviceUrl + the operation's path), kept
 * as base (set-backend-service changes it) + relative path (rewrite-uri
 * changes it) + query; OriginalUrl is the URL as the client sent it.
 */
export class MessageUrl {
  scheme: string;
  host: string;
  port: number;
  /** The backend base path (serviceUrl's path, no trailing slash); empty for OriginalUrl. */
  basePath: string;
  /** The path after the base, starting with `/` or empty. */
  relativePath: string;
  readonly query: QueryDictionary;

  constructor(scheme: string, host: string, port: number, basePath: string, relativePath: string, query: QueryDictionary) {
    this.scheme = scheme;
    this.host = host;
    this.port = port;
    this.basePath = basePath;
    this.relativePath = relativePath;
    this.query = query;
  }

  static parse(absolute: string): MessageUrl {
    const url = new URL(absolute);
    const scheme = url.protocol.slice(0, -1);
    const path = url.pathname === '/' ? '' : url.pathname.replace(/\/+$/, '');
    return new MessageUrl(scheme, url.hostname, url.port ? Number(url.port) : defaultPort(scheme), path, '', QueryDictionary.parse(url.search.slice(1)));
  }

  /** Points the URL at another backend base, keeping the relative path and query (set-backend-service). */
  rebase(absoluteBase: string): void {
    const base = MessageUrl.parse(absoluteBase);
    this.scheme = base.scheme;
    this.host = base.host;
    this.port = base.port;
    this.basePath = base.basePath;
  }

  get origin(): string {
    return this.port === defaultPort(this.scheme) ? `${this.scheme}://${this.host}` : `${this.scheme}://${this.host}:${this.port}`;
  }

  /** Path and query as sent on the wire. */
  get pathAndQuery(): string {
    const path = this.basePath + this.relativePath || '/';
    const query = this.query.serialise();
    return query === '' ? path : `${path}?${query}`;
  }

  get Scheme(): string {
    return this.scheme;
  }

  get Host(): string {
    return this.host;
  }

  get Port(): number {
    return this.port;
  }

  get Path(): string {
    return this.basePath + this.relativePath || '/';
  }

  get Query(): QueryDictionary {
    return this.query;
  }

  /** As .NET's Uri.Query: `?a=1&b=2`, or empty. */
  get QueryString(): string {
    const query = this.query.serialise();
    return query === '' ? '' : `?${query}`;
  }

  ToString(): string {
    return this.origin + this.pathAndQuery;
  }

  ToUri(): string {
    return this.ToString();
  }

  toString(): string {
    return this.ToString();
  }

  clone(): MessageUrl {
    return new MessageUrl(this.scheme, this.host, this.port, this.basePath, this.relativePath, this.query.clone());
  }
}

export function defaultPort(scheme: string): number {
  return scheme === 'https' || scheme === 'wss' ? 443 : 80;
}

/** Query parameters in their original order; names compare case-insensitively. */
export class QueryDictionary extends MultiValueDictionary {
  /** The raw query when untouched, so forwarding an unmodified query costs nothing. */
  #raw: string | undefined;

  static parse(raw: string): QueryDictionary {
    const query = new QueryDictionary();
    if (raw !== '') {
      for (const [name, value] of new URLSearchParams(raw)) query.append(name, [value]);
      query.#raw = raw;
    }
    return query;
  }

  override set(name: string, values: string[]): void {
    this.#raw = undefined;
    super.set(name, values);
  }

  override append(name: string, values: readonly string[]): void {
    this.#raw = undefined;
    super.append(name, values);
  }

  override delete(name: string): boolean {
    this.#raw = undefined;
    return super.delete(name);
  }

  serialise(): string {
    if (this.#raw !== undefined) return this.#raw;
    const parts: string[] = [];
    for (const { Key, Value } of this) {
      for (const value of Value) parts.push(`${encodeURIComponent(Key)}=${encodeURIComponent(value)}`);
    }
    return parts.join('&');
  }

  clone(): QueryDictionary {
    const copy = new QueryDictionary();
    for (const { Key, Value } of this) copy.append(Key, Value);
    copy.#raw = this.#raw;
    return copy;
  }
}
