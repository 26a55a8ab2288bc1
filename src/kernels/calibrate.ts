import { allocWeights, writeWeights } from './layout.ts';
import type { KernelArena } from './wasm.ts';

/** A kernel set that can run here, by name, with a way to get an arena on it. */
export interface Candidate<Name extends string> {
  name: Name;
  arena(): KernelArena;
}

/** What one probe of a kernel set runs: the generation step at H 256, as a batch of 32 and as one stream. */
const H = 256;
const V = 64;
const BATCH = 32;

/** A small deterministic pseudo-random sequence in (−0.1, 0.1): the speed does not depend on the values. */
function weights(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 0.2;
  }
  return out;
}

/** Returns a function that runs one probe (a few ms: long enough for the clock, short enough to run at first use). */
function probe(a: KernelArena): () => void {
  const w = allocWeights(a, H, V, 'step');
  const { Hp, Vp } = w;
  const hs = a.allocF32(2 * BATCH * Hp);
  const sy = a.allocF32(BATCH * (Hp + Vp));
  const ixs = a.alloc(4 * BATCH);
  const panels = a.allocF32(a.exports.panelFloats(BATCH, H));
  writeWeights(a, w, { H, V, Wxh: weights(H * V, 1), Whh: weights(H * H, 2), Why: weights(V * H, 3), bh: weights(H, 4), by: weights(V, 5) });
  const e = a.exports;
  const h0 = hs;
  const h1 = hs + 4 * BATCH * Hp;
  const step = (nb: number) => {
    e.project(h0, sy, nb, H, Hp, Vp, w.WhhT, w.ldWhhT, w.by, w.WhhP, w.WhyP, panels);
    e.finishStep(sy, h1, ixs, nb, Hp, Vp, w.WxhT, w.bh);
    e.stepHidden(h1, h0, ixs, nb, H, Hp, w.WhhT, w.ldWhhT, w.WxhT, w.bh, w.WhhP, panels);
  };
  return () => {
    for (let i = 0; i < 20; i++) step(BATCH);
    for (let i = 0; i < 160; i++) step(1);
  };
}

/**
 * The fastest of the candidates at the generation step (batched and single-stream: the same tiles and row
 * products as training), timed in interleaved rounds so that other load on the machine falls on all alike; each
 * candidate's best round counts. Also returns those times (ms), by name.
 */
export function fastest<Name extends string>(candidates: Candidate<Name>[], rounds = 5): { name: Name; ms: Record<string, number> } {
  if (candidates.length === 0) throw new RangeError('no kernel set to choose from');
  const runs = candidates.map((c) => ({ name: c.name, run: probe(c.arena()), best: Infinity }));
  for (const r of runs) r.run(); // warm-up: compilation, first touches of memory
  for (let i = 0; i < rounds; i++) {
    for (const r of runs) {
      const t0 = performance.now();
      r.run();
      r.best = Math.min(r.best, performance.now() - t0);
    }
  }
  const best = runs.reduce((a, b) => (b.best < a.best ? b : a));
  return { name: best.name, ms: Object.fromEntries(runs.map((r) => [r.name, r.best])) };
}
