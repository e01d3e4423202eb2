/** System.IO.StringReader and StringWriter: line-by-line reading of a string and building text, for policies that parse or emit text. */
import { argumentNull } from './errors.ts';
import { str } from './strings.ts';

export class StringReader {
  readonly #text: string;
  #position = 0;

  constructor(text: unknown) {
    if (typeof text !== 'string') throw argumentNull('s');
    this.#text = text;
  }

  /** The next line without its terminator (`\n`, `\r\n` or `\r`), or null at the end. */
  ReadLine(): string | null {
    if (this.#position >= this.#text.length) return null;
    const rest = this.#text.slice(this.#position);
    const match = /\r\n|\r|\n/.exec(rest);
    if (!match) {
      this.#position = this.#text.length;
      return rest;
    }
    this.#position += match.index + match[0].length;
    return rest.slice(0, match.index);
  }

  ReadToEnd(): string {
    const rest = this.#text.slice(this.#position);
    this.#position = this.#text.length;
    return rest;
  }

  /** The next character's code, or -1 at the end. */
  Read(): number {
    return this.#position < this.#text.length ? this.#text.charCodeAt(this.#position++) : -1;
  }

  Peek(): number {
    return this.#position < this.#text.length ? this.#text.charCodeAt(this.#position) : -1;
  }

  Dispose(): void {}
  Close(): void {}
}

export class StringWriter {
  #text = '';
  NewLine = '\n';

  Write(value: unknown): void {
    this.#text += str(value);
  }

  WriteLine(value?: unknown): void {
    this.#text += (value === undefined ? '' : str(value)) + this.NewLine;
  }

  Flush(): void {}
  Dispose(): void {}
  Close(): void {}

  ToString(): string {
    return this.#text;
  }
}
