import { Chalk, type ChalkInstance } from 'chalk';

/** Where a command writes: data to stdout, people-facing text to stderr (npm/cli habit). */
export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/** Colour only for a person at a terminal: never when NO_COLOR or CI is set, or output is piped. */
export function colours(io: Io, stream: 'stdout' | 'stderr' = 'stderr'): ChalkInstance {
  const wanted = io[stream].isTTY === true && io.env.NO_COLOR === undefined && io.env.CI === undefined && io.env.TERM !== 'dumb';
  return new Chalk({ level: wanted ? 1 : 0 });
}

/** A plain aligned table: the first row is the header. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>, paint: ChalkInstance): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  return rows.map((row, index) => {
    const line = row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd();
    return index === 0 ? paint.bold(line) : line;
  }).join('\n');
}
