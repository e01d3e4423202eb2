/**
 * How long retry waits before retry number `retry` (1-based), per the retry
 * policy page: interval alone → fixed; + delta → linear
 * `interval + (retry - 1) * delta`; + delta + max-interval → exponential
 * `interval + (2^(retry - 1) - 1) * random(0.8 * delta, 1.2 * delta)`, capped
 * at max-interval (the doc's example, interval = delta = 10 s, max 100 s,
 * waits about 10, 20, 40, 80, 100, 100 … s). first-fast-retry makes the
 * first retry immediate; later ones keep their own place in the sequence.
 */
export interface RetryTiming {
  intervalSeconds: number;
  deltaSeconds: number | undefined;
  maxIntervalSeconds: number | undefined;
  firstFastRetry: boolean;
}

export function retryDelayMs(retry: number, timing: RetryTiming, random: () => number = Math.random): number {
  if (timing.firstFastRetry && retry === 1) return 0;
  const { intervalSeconds: interval, deltaSeconds: delta, maxIntervalSeconds: max } = timing;
  let seconds: number;
  if (delta === undefined) seconds = interval;
  else if (max === undefined) seconds = interval + (retry - 1) * delta;
  else seconds = interval + (2 ** (retry - 1) - 1) * delta * (0.8 + 0.4 * random());
  if (max !== undefined) seconds = Math.min(seconds, max);
  return Math.max(0, seconds) * 1000;
}
