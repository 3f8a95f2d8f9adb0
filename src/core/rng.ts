/** Randomness comes from a seeded generator so every backtest and generated data set is reproducible. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
}

/**
 * mulberry32: a tiny, fast 32-bit PRNG with good statistical quality for simulation
 * (not for cryptography). Same seed, same sequence, on every platform.
 */
export class SeededRng implements Rng {
  // Kept as a signed int32 so V8 stores it as a small integer: an unsigned value above 2^31
  // would be a heap number, and every call would allocate.
  private state: number;
  constructor(seed: number) {
    this.state = seed | 0;
  }
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  /** Standard normal (Box-Muller; one value per call, the pair's twin is discarded for simplicity). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}
