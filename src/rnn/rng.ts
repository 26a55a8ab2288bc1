/**
 * A small seedable PRNG (mulberry32): the same seed gives the same stream on every machine,
 * which is what makes `--seed` reproducible. Not for cryptography.
 */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller). */
  normal(): number {
    let u = 0;
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** Index drawn from the distribution p (which sums to 1). */
  choice(p: ArrayLike<number>): number {
    const r = this.next();
    let acc = 0;
    for (let i = 0; i < p.length; i++) {
      acc += p[i];
      if (r < acc) return i;
    }
    // Rounding left r above the last partial sum: take the last index with non-zero mass.
    for (let i = p.length - 1; i >= 0; i--) if (p[i] > 0) return i;
    return p.length - 1;
  }
}

/** A fresh random seed for when the user gives none (shown to them so the run can be repeated). */
export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}
