/**
 * Seeded randomness for the fuzz tests: the same seed gives the same cases, so
 * a failure printed with its seed and case number can be replayed. FUZZ_SEED
 * and FUZZ_CASES override the defaults for longer local runs.
 */

export interface Random {
  /** In [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
}

/** mulberry32: tiny, fast and good enough to spread mutations around. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const below = (n: number): number => Math.floor(next() * n);
  return { next, below, pick: (items) => items[below(items.length)]!, chance: (p) => next() < p };
}

export interface FuzzRun {
  readonly seed: number;
  readonly cases: number;
}

/** The run's seed and case count: the environment's when set, else `defaultCases` under a fixed seed. */
export function fuzzRun(name: string, defaultCases: number): FuzzRun {
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : 20240611;
  const cases = process.env.FUZZ_CASES ? Number(process.env.FUZZ_CASES) : defaultCases;
  console.log(`${name}: FUZZ_SEED=${seed} FUZZ_CASES=${cases}`);
  return { seed, cases };
}

/** Each case gets its own generator, so case N can be replayed without running the ones before it. */
export function caseRandom(run: FuzzRun, index: number): Random {
  return seededRandom((run.seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
}
