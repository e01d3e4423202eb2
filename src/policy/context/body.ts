import type { Readable } from 'node:stream';
import { DOTNET_TYPES } from '../expression/dotnet/index.ts';
import { DotNetException, generic } from '../expression/host.ts';

/**
 * IMessageBody: a message body that streams by default and is read into
 * memory only when a policy needs it (the pipeline calls `load()` before a
 * step whose expressions touch `.Body`). As in APIM, `As<T>()` without
 * `preserveContent: true` consumes the body: what is forwarded afterwards is empty.
 */
export class MessageBody {
  #stream: Readable | null;
  #content: Buffer | null = null;
  #loading: Promise<Buffer> | null = null;
  readonly #limit: number;

  constructor(stream: Readable | null, limitBytes: number) {
    this.#stream = stream;
    this.#limit = limitBytes;
  }

  static of(content: Buffer | string): MessageBody {
    const body = new MessageBody(null, Number.POSITIVE_INFINITY);
    body.#content = typeof content === 'string' ? Buffer.from(content) : content;
    return body;
  }

  get loaded(): boolean {
    return this.#stream === null;
  }

  /** Reads the stream into memory once; later calls return the same bytes. */
  load(): Promise<Buffer> {
    if (this.#stream === null) return Promise.resolve(this.#content ?? EMPTY);
    this.#loading ??= readAll(this.#stream, this.#limit).then((content) => {
      this.#content = content;
      this.#stream = null;
      return content;
    });
    return this.#loading;
  }

  /** The loaded bytes (empty when nothing was loaded); only valid after `load()`. */
  get content(): Buffer {
    if (this.#stream !== null) throw new Error('message body read before it was loaded');
    return this.#content ?? EMPTY;
  }

  /** What to send on: the untouched stream, or the (possibly replaced) bytes. */
  get forwardable(): Readable | Buffer {
    return this.#stream ?? this.#content ?? EMPTY;
  }

  replace(content: Buffer | string): void {
    this.#stream?.resume();
    this.#stream = null;
    this.#content = typeof content === 'string' ? Buffer.from(content) : content;
  }

  readonly As = generic((typeArguments: readonly string[], preserveContent = false): unknown => {
    const bytes = this.content;
    if (!preserveContent) this.#content = EMPTY;
    const type = typeArguments[0] ?? 'string';
    switch (type) {
      case 'string':
      case 'String':
        return bytes.toString('utf8');
      case 'byte[]':
        return new Uint8Array(bytes);
      case 'JObject':
      case 'JToken':
      case 'JArray':
        return parseWith(type, bytes.toString('utf8'));
      case 'XDocument':
      case 'XElement':
      case 'XNode':
        return parseWith(type === 'XNode' ? 'XElement' : type, bytes.toString('utf8'));
      default:
        throw new DotNetException('InvalidOperationException', `Body cannot be read as ${type}.`);
    }
  });

  /** Form fields: name → values, in order. */
  AsFormUrlEncodedContent(preserveContent = false): Map<string, string[]> {
    const text = this.content.toString('utf8');
    if (!preserveContent) this.#content = EMPTY;
    const fields = new Map<string, string[]>();
    for (const [name, value] of new URLSearchParams(text)) {
      const values = fields.get(name);
      if (values) values.push(value);
      else fields.set(name, [value]);
    }
    return fields;
  }
}

const EMPTY = Buffer.alloc(0);

function parseWith(type: string, text: string): unknown {
  const parser = DOTNET_TYPES[type] as { Parse?: (text: string) => unknown } | undefined;
  if (!parser?.Parse) throw new DotNetException('InvalidOperationException', `Body cannot be read as ${type}.`);
  return parser.Parse(text);
}

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`message body exceeds the ${limit} bytes a policy may read into memory`);
    this.name = 'BodyTooLargeError';
  }
}

async function readAll(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(buffer);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
