/**
 * `npm run bench`: speed of the RNN at H = 250 on this machine.
 *
 *   sample_chars_per_s        one stream, complete() on the default kernels (the step and the draw in the kernels)
 *   train_chars_per_s.b1s25   min-char-rnn's loop: batch 1, seq 25, clip 5, Adagrad, on the batched kernel
 *   train_chars_per_s.b1s25_float64   the same loop on the float64 reference lossFun (for the ratio)
 *   train_chars_per_s.batched B = 32 streams × seq 100 on the batched kernel (one thread, as `bard train`
 *                             runs it by default), clip 5, Adagrad
 *   train_chars_per_s.batched_2threads  the same with the streams split over two threads
 *   train_chars_per_s.batched_wasm      the one-thread figure on the WASM kernels, when the native ones ran above
 *   kernel_sets[set]          every kernel set this machine runs, side by side (interleaved rounds, the median
 *                             round): train_b32s100 as above, and step_1 / step_32, characters per second of the
 *                             generation step (logits, draw, next state) for one stream and for a batch of 32
 *   kernel_sets_per_cpu_s     the same per CPU-second of this process (less sensitive to other load on the machine)
 *   fma_peak_gflops[set]      this core's fused multiply-add rate at each native set's vector width (GFLOP/s)
 *   kernel_sets_peak_share    each native set's matrix arithmetic per CPU-second as a share of that peak
 *   default_kernels           the set everything above runs on (src/kernels/native.ts: measured, never slower)
 *   serve_chars_per_s[n]      n concurrent generations in one worker process through its serving path
 *                             (model thread + continuous-batching scheduler, bench/serve.ts):
 *                             sampled characters per second, all streams together
 *
 * `kernels` names the kernels that ran: 'native-avx512' or 'native-avx2' (src/kernels/native.ts), or the WASM build:
 * 'fma' (relaxed SIMD, fused multiply-adds) or 'simd'.
 * The text is tinyshakespeare from ../shared/data when present (its 65 symbols), else random indices
 * over 65 symbols: the arithmetic, and so the speed, does not depend on the values.
 * Wall-clock rates are what the JSON reports; the lines before it also give each rate per CPU-second
 * of this process, which tells how much other load on the machine took from the wall-clock figure.
 * The last stdout line is the JSON.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createBatchedTrainer } from '../src/kernels/batched-trainer.ts';
import { availableKernelSets, defaultKernelSet, isaOfSet, kernelBackend, nativeFmaPeak, type KernelSet, type NativeIsa } from '../src/kernels/native.ts';
import { RnnStepKernel } from '../src/kernels/step.ts';
import { kernelsAvailable, kernelVariant } from '../src/kernels/wasm.ts';
import { complete } from '../src/rnn/generate.ts';
import { lossFun } from '../src/rnn/loss.ts';
import { Model } from '../src/rnn/model.ts';
import { adagradUpdate, clipGradients } from '../src/rnn/optim.ts';
import { initParams, PARAM_NAMES, zerosLike, type Params } from '../src/rnn/params.ts';
import { Rng } from '../src/rnn/rng.ts';
import { measureServing } from './serve.ts';

const H = 250;
const backend = kernelBackend();
const SECONDS = Number(process.env.BENCH_SECONDS ?? 4);

if (!kernelsAvailable()) {
  console.error('bench: the WASM kernels are not built: run `npm run build:kernels` (npm ci does it)');
  process.exit(1);
}

// ---- data and model
const textPath = fileURLToPath(new URL('../../shared/data/tinyshakespeare.txt', import.meta.url));
const rng = new Rng(1);
let chars: string[];
let data: Int32Array;
if (existsSync(textPath)) {
  const text = readFileSync(textPath, 'utf8');
  chars = [...new Set(text)].sort();
  const ix = new Map(chars.map((c, i) => [c, i]));
  data = Int32Array.from(text, (c) => ix.get(c)!);
} else {
  chars = Array.from({ length: 65 }, (_, i) => String.fromCharCode(32 + i));
  data = Int32Array.from({ length: 1_000_000 }, () => Math.floor(rng.next() * 65));
}
const V = chars.length;
const params = initParams(H, V, () => rng.normal(), 0.01);
const model = new Model(params, chars);

interface Rate {
  wall: number;
  cpu: number;
}

/** Runs `round` (which returns the characters it produced) until `seconds` pass; chars per wall and per CPU second. */
function measure(label: string, round: () => number, seconds = SECONDS): Rate {
  round(); // warm-up: tier-up of the JS and WASM code, first allocations
  let n = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  while (performance.now() - t0 < seconds * 1000) n += round();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const cpu = (c.user + c.system) / 1e6;
  const rate = { wall: n / wall, cpu: n / cpu };
  console.log(`${label.padEnd(34)} ${fmt(rate.wall).padStart(9)} chars/s   (${fmt(rate.cpu)} per CPU-second, CPU ${((100 * cpu) / wall).toFixed(0)}%)`);
  return rate;
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');

// ---- single-stream sampling: complete() as the CLI calls it
let seed = 0;
const sample = measure('sample, 1 stream (complete)', () => complete(model, { prompt: 'ROMEO:', length: 5000, seed: seed++ }).continuation.length);

// ---- training
function windows(B: number, T: number, at: number[]): { inputs: Int32Array; targets: Int32Array } {
  const inputs = new Int32Array(B * T);
  const targets = new Int32Array(B * T);
  for (let b = 0; b < B; b++) {
    if (at[b] + T + 1 >= data.length) at[b] = 0;
    inputs.set(data.subarray(at[b], at[b] + T), b * T);
    targets.set(data.subarray(at[b] + 1, at[b] + T + 1), b * T);
    at[b] += T;
  }
  return { inputs, targets };
}

/** One optimiser step from float32 kernel gradients: clip to [−5, 5], Adagrad (lr 0.1) on the float64 parameters. */
function kernelTrainer(B: number, T: number, threads = 1, kernels = backend ?? undefined, isa?: NativeIsa): () => number {
  const p: Params = initParams(H, V, () => rng.normal(), 0.01);
  const mem = zerosLike(p);
  const g = zerosLike(p);
  const trainer = createBatchedTrainer(H, V, B, T, { threads, backend: kernels, isa });
  const at = Array.from({ length: B }, (_, b) => Math.floor((b * data.length) / B));
  let h: ArrayLike<number> = new Float32Array(B * H);
  return () => {
    const { inputs, targets } = windows(B, T, at);
    const r = trainer.lossAndGrads(p, inputs, targets, h);
    for (const name of PARAM_NAMES) g[name].set(r.grads[name]);
    clipGradients(g, 5);
    adagradUpdate(p, g, mem, 0.1);
    h = r.h;
    return B * T;
  };
}

function referenceTrainer(): () => number {
  const p: Params = initParams(H, V, () => rng.normal(), 0.01);
  const mem = zerosLike(p);
  const at = [0];
  let h: Float64Array = new Float64Array(H);
  return () => {
    const { inputs, targets } = windows(1, 25, at);
    const r = lossFun(p, inputs, targets, h);
    clipGradients(r.grads, 5);
    adagradUpdate(p, r.grads, mem, 0.1);
    h = r.h;
    return 25;
  };
}

const b1s25 = measure('train b1 s25 (kernel)', kernelTrainer(1, 25));
const b1s25Reference = measure('train b1 s25 (float64 reference)', referenceTrainer(), Math.min(SECONDS, 3));
const batched = measure('train b32 s100 (kernel, 1 thread)', kernelTrainer(32, 100), SECONDS + 1);
const batched2 = measure('train b32 s100 (kernel, 2 threads)', kernelTrainer(32, 100, 2), SECONDS + 1);
const wasm = kernelVariant()!;

// ---- every kernel set side by side: each figure in interleaved rounds (other load falls on all alike), the median round
/** The generation step of `n` streams (logits, a draw, the next state) on one kernel set: characters per step. */
function stepLoop(n: number, set: KernelSet): () => number {
  const isa = isaOfSet(set);
  const k = isa ? new RnnStepKernel(params, n, 'native', isa) : new RnnStepKernel(params, n, set as 'fma' | 'simd');
  const ixs = Int32Array.from({ length: n }, (_, b) => data[b]);
  k.invT.fill(1);
  return () => {
    for (let i = 0; i < 200; i++) {
      for (let b = 0; b < n; b++) k.uniforms[b] = rng.next();
      k.computeLogits(n);
      k.draw(n);
      k.step(k.draws.subarray(0, n), n);
    }
    return 200 * n;
  };
}

const sets = availableKernelSets();
const defaultSet = defaultKernelSet()!;
const ROUNDS = 3;
const figures = { train_b32s100: (s: KernelSet) => kernelTrainer(32, 100, 1, isaOfSet(s) ? 'native' : (s as 'fma'), isaOfSet(s) ?? undefined), step_1: (s: KernelSet) => stepLoop(1, s), step_32: (s: KernelSet) => stepLoop(32, s) };
const kernelSets: Record<string, Record<string, number>> = Object.fromEntries(sets.map((s) => [s, {}]));
const kernelSetsPerCpu: Record<string, Record<string, number>> = Object.fromEntries(sets.map((s) => [s, {}]));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
for (const [figure, make] of Object.entries(figures)) {
  const loops = sets.map(make);
  const rates: Rate[][] = sets.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    sets.forEach((s, i) => rates[i].push(measure(`${figure} ${s}${s === defaultSet ? ' (default)' : ''}, round ${r + 1}`, loops[i], Math.min(SECONDS, 1.5))));
  }
  sets.forEach((s, i) => {
    kernelSets[s][figure] = Math.round(median(rates[i].map((x) => x.wall)));
    kernelSetsPerCpu[s][figure] = Math.round(median(rates[i].map((x) => x.cpu)));
  });
}
const cols = Object.keys(figures);
for (const [what, table] of [['chars/s', kernelSets], ['chars per CPU-second', kernelSetsPerCpu]] as const) {
  console.log(`\nkernel sets, ${what} (median of ${ROUNDS} interleaved rounds; * the default):`);
  console.log(`  ${'set'.padEnd(16)}${cols.map((c) => c.padStart(15)).join('')}`);
  for (const s of sets) {
    const ratio = s === defaultSet ? '' : `   (${cols.map((c) => (table[s][c] / table[defaultSet][c]).toFixed(2)).join(' / ')} × the default)`;
    console.log(`  ${(s + (s === defaultSet ? ' *' : '')).padEnd(16)}${cols.map((c) => fmt(table[s][c]).padStart(15)).join('')}${ratio}`);
  }
}

// ---- how close each native set comes to this core's peak: the matrix products' FLOPs per character at its rate per
// CPU-second, over the FMA rate of its vector width. A trained character costs 6·H·(H + V): 2·H·(H + V) forward, twice
// that backward (the weight gradients and the gradient passed back); a generated one 2·H·(H + V). Elementwise work
// (tanh, softmax, packing) is not counted, so 100% is out of reach.
const matrixFlops: Record<string, number> = { train_b32s100: 6 * H * (H + V), step_1: 2 * H * (H + V), step_32: 2 * H * (H + V) };
const fmaPeak: Record<string, number> = {};
const peakShare: Record<string, Record<string, number>> = {};
for (const s of sets) {
  const isa = isaOfSet(s);
  if (!isa) continue;
  fmaPeak[s] = nativeFmaPeak(isa)!;
  peakShare[s] = Object.fromEntries(cols.map((c) => [c, Math.round((kernelSetsPerCpu[s][c] * matrixFlops[c] * 100) / fmaPeak[s]) / 100]));
}
if (Object.keys(fmaPeak).length > 0) {
  console.log(`\nnative kernel sets, matrix GFLOP/s per CPU-second and the share of this core's FMA peak at their width:`);
  console.log(`  ${'set'.padEnd(16)}${'peak'.padStart(8)}${cols.map((c) => c.padStart(17)).join('')}`);
  for (const s of Object.keys(fmaPeak)) {
    const cells = cols.map((c) => `${((kernelSetsPerCpu[s][c] * matrixFlops[c]) / 1e9).toFixed(0)} (${Math.round(peakShare[s][c] * 100)}%)`.padStart(17));
    console.log(`  ${s.padEnd(16)}${(fmaPeak[s] / 1e9).toFixed(0).padStart(8)}${cells.join('')}`);
  }
}
const batchedWasm = { wall: kernelSets[wasm]?.train_b32s100 ?? batched.wall };

// ---- serving: n concurrent generations through the worker's real serving path (model thread + scheduler)
const serve: Record<string, number> = {};
for (const n of [1, 8, 32, 64]) {
  const rate = await measureServing(model, n, { seconds: Math.min(SECONDS, 3) });
  console.log(`serve ${String(n).padStart(2)} streams: ${Math.round(rate.wall).toLocaleString('en')} chars/s (${Math.round(rate.cpu).toLocaleString('en')} per CPU-second, mean batch ${rate.batch.toFixed(1)})`);
  serve[String(n)] = Math.round(rate.wall);
}

console.log(
  JSON.stringify({
    hidden: H,
    kernels: defaultSet,
    sample_chars_per_s: Math.round(sample.wall),
    train_chars_per_s: {
      b1s25: Math.round(b1s25.wall),
      batched: Math.round(batched.wall),
      batched_2threads: Math.round(batched2.wall),
      batched_wasm: Math.round(batchedWasm.wall),
      b1s25_float64: Math.round(b1s25Reference.wall),
    },
    serve_chars_per_s: serve,
    kernel_sets: kernelSets,
    kernel_sets_per_cpu_s: kernelSetsPerCpu,
    fma_peak_gflops: Object.fromEntries(Object.entries(fmaPeak).map(([s, f]) => [s, Math.round(f / 1e8) / 10])),
    kernel_sets_peak_share: peakShare,
    default_kernels: defaultSet,
  }),
);
