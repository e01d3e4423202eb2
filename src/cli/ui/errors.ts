import { CommanderError } from 'commander';
import { ApimgwError, EXIT_FAILURE } from '../../errors.ts';
import { colours, type Io } from './output.ts';

/**
 * Every failure reaches the operator as one summary line plus a hint (and the
 * located details when there are several findings); a stack trace only with
 * --debug.
 */
export function reportError(error: unknown, io: Io, debug: boolean): number {
  const paint = colours(io);
  if (error instanceof ApimgwError) {
    const lines = [`${paint.red('error')} ${error.message} ${paint.dim(`[${error.code}]`)}`];
    for (const detail of error.details) lines.push(`  ${detail}`);
    lines.push(`${paint.yellow('hint')} ${error.hint}`);
    if (debug && error.stack) lines.push(error.stack);
    io.stderr.write(`${lines.join('\n')}\n`);
    return error.exitCode;
  }
  if (error instanceof CommanderError) return error.exitCode;
  const message = error instanceof Error ? error.message : String(error);
  io.stderr.write(`${paint.red('error')} unexpected failure: ${message}\n${paint.yellow('hint')} This is a bug in apimgw; rerun with --debug and report the output.\n`);
  if (debug && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  return EXIT_FAILURE;
}
