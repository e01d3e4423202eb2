/**
 * Where a policy or expression problem is, and the error that carries it.
 * Every compile-time finding about a policy document is a PolicyCompileError
 * so `apimgw config validate` can list them all with file:line:column.
 */

export interface SourceLocation {
  /** The policy document's origin as the operator knows it: `apis/orders/policy.xml`, `apis[2].policy`. */
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

export function formatLocation(location: SourceLocation): string {
  return `${location.file}:${location.line}:${location.column}`;
}

/** Moves a location by the text between it and an offset inside that text (for positions inside an expression). */
export function advanceLocation(start: SourceLocation, text: string, offset: number): SourceLocation {
  let { line, column } = start;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text[i] === '\n') {
      line++;
      column = 1;
    } else {
      column++;
    }
  }
  return { file: start.file, line, column };
}

export class PolicyCompileError extends Error {
  readonly location: SourceLocation;

  constructor(message: string, location: SourceLocation) {
    super(message);
    this.name = 'PolicyCompileError';
    this.location = location;
  }

  /** `apis/orders/policy.xml:12:5 set-header: unknown exists-action "replace"` */
  override toString(): string {
    return `${formatLocation(this.location)} ${this.message}`;
  }
}
