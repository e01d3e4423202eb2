/**
 * When the next poll or heartbeat happens. Every delay is jittered so a
 * fleet of gateways restarted together does not poll in lock-step, and
 * failures back off exponentially so an outage is not met with a stampede.
 */

/** Longest gap between attempts while the management plane is unreachable. */
export const BACKOFF_CAP_SECONDS = 60;
const JITTER = 0.1;

/** `seconds` ± 10 %, as milliseconds. */
export function jittered(seconds: number, random: () => number = Math.random): number {
  return Math.round(seconds * 1000 * (1 - JITTER + 2 * JITTER * random()));
}

/**
 * The wait before the next poll after `failures` consecutive failed attempts:
 * the poll interval, doubled per failure, capped at 60 s (or the interval
 * itself when that is longer), jittered.
 */
export function pollDelayMs(intervalSeconds: number, failures: number, random: () => number = Math.random): number {
  const cap = Math.max(BACKOFF_CAP_SECONDS, intervalSeconds);
  const seconds = failures === 0 ? intervalSeconds : Math.min(cap, intervalSeconds * 2 ** Math.min(failures, 30));
  return jittered(seconds, random);
}
