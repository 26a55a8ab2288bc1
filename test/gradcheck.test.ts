import { describe, expect, it } from 'vitest';
import { lossFun } from '../src/rnn/loss.ts';
import { initParams, PARAM_NAMES, type Params } from '../src/rnn/params.ts';
import { Rng } from '../src/rnn/rng.ts';

/**
 * Numerical gradient check of lossFun's BPTT on small random float64 models: every element of
 * every parameter against the central difference (L(θ + ε) − L(θ − ε)) / 2ε.
 * Relative error |a − n| / max(|a|, |n|) must stay below 1e-6 (measured worst over these seeds: 2.8e-7;
 * the rest is rounding in L(θ ± ε), which ε = 1e-5 balances against the O(ε²) truncation error).
 */
const H = 7;
const V = 5;
const SEQ = 6;
const EPS = 1e-5;

function randomProblem(seed: number) {
  const rng = new Rng(seed);
  // Weights of order 0.5 (not min-char-rnn's 0.01) so tanh is in its non-linear range and gradients are not tiny.
  const p = initParams(H, V, () => rng.normal(), 0.5);
  for (const b of [p.bh, p.by]) for (let i = 0; i < b.length; i++) b[i] = rng.normal() * 0.5;
  // Every character appears among the inputs, so no column of Wxh has a trivially zero gradient.
  const inputs = shuffle([...Array(V).keys(), ...Array.from({ length: SEQ - V }, () => Math.floor(rng.next() * V))], rng);
  const targets = Array.from({ length: SEQ }, () => Math.floor(rng.next() * V));
  // A non-zero previous state exercises the dWhh term of the first step.
  const hprev = Float64Array.from({ length: H }, () => Math.tanh(rng.normal()));
  return { p, inputs, targets, hprev };
}

function shuffle<T>(a: T[], rng: Rng): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

function relativeError(a: number, n: number): number {
  if (a === n) return 0;
  return Math.abs(a - n) / Math.max(Math.abs(a), Math.abs(n));
}

/** The numerical gradient of the window's loss, element by element. */
function numericalGradient(problem: ReturnType<typeof randomProblem>): Record<(typeof PARAM_NAMES)[number], Float64Array> {
  const { p, inputs, targets, hprev } = problem;
  const loss = (q: Params) => lossFun(q, inputs, targets, hprev).loss;
  const out = {} as Record<(typeof PARAM_NAMES)[number], Float64Array>;
  for (const name of PARAM_NAMES) {
    const theta = p[name];
    out[name] = new Float64Array(theta.length);
    for (let i = 0; i < theta.length; i++) {
      const old = theta[i];
      theta[i] = old + EPS;
      const lp = loss(p);
      theta[i] = old - EPS;
      const lm = loss(p);
      theta[i] = old;
      out[name][i] = (lp - lm) / (2 * EPS);
    }
  }
  return out;
}

describe('numerical gradient check (float64, central differences)', () => {
  it.each([1, 2, 3])('analytic BPTT gradients match for every element of every parameter (seed %i)', (seed) => {
    const problem = randomProblem(seed);
    const { grads } = lossFun(problem.p, problem.inputs, problem.targets, problem.hprev);
    const numerical = numericalGradient(problem);
    let checked = 0;
    for (const name of PARAM_NAMES) {
      for (let i = 0; i < grads[name].length; i++) {
        const a = grads[name][i];
        const n = numerical[name][i];
        expect(a, `${name}[${i}] is zero: the check would be vacuous`).not.toBe(0);
        const err = relativeError(a, n);
        if (!(err < 1e-6)) expect.fail(`${name}[${i}]: analytic ${a}, numerical ${n}, relative error ${err}`);
        checked++;
      }
    }
    expect(checked).toBe(H * V + H * H + V * H + H + V);
  });

  it('has teeth: gradients without backpropagation through time (dhnext dropped) fail it', () => {
    const problem = randomProblem(1);
    const { p, inputs, targets, hprev } = problem;
    // One-step windows carrying h forward: the same forward pass, but no gradient flows back through Whh across steps.
    const truncated = Object.fromEntries(PARAM_NAMES.map((n) => [n, new Float64Array(p[n].length)])) as Record<(typeof PARAM_NAMES)[number], Float64Array>;
    let h: Float64Array = hprev;
    for (let t = 0; t < SEQ; t++) {
      const r = lossFun(p, [inputs[t]], [targets[t]], h);
      for (const n of PARAM_NAMES) for (let i = 0; i < truncated[n].length; i++) truncated[n][i] += r.grads[n][i];
      h = r.h;
    }
    const numerical = numericalGradient(problem);
    let worst = 0;
    for (const n of PARAM_NAMES) for (let i = 0; i < truncated[n].length; i++) worst = Math.max(worst, relativeError(truncated[n][i], numerical[n][i]));
    expect(worst).toBeGreaterThan(1e-3);
  });
});
