import { initParams, type Params } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';

/** A random model whose weights are large enough for tanh to bend (min-char-rnn's 0.01 would keep it linear). */
export function randomParams(H: number, V: number, seed: number, scale = 0.15): Params {
  const rng = new Rng(seed);
  const p = initParams(H, V, () => rng.normal(), scale);
  for (let j = 0; j < H; j++) p.bh[j] = rng.normal() * 0.1;
  for (let c = 0; c < V; c++) p.by[c] = rng.normal() * 0.1;
  return p;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expectSameLength(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function expectSameLength(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
}
