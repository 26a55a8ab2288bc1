import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchedTrainer } from '../../src/kernels/batched-trainer.ts';
import {
  availableKernelSets,
  defaultKernelSet,
  isaOfSet,
  KERNEL_CHOICE_FILE,
  kernelBackend,
  NativeArena,
  nativeFmaPeak,
  nativeIsas,
  nativeUnavailableReason,
  readChoice,
  writeChoice,
} from '../../src/kernels/native.ts';
import { RnnStepKernel } from '../../src/kernels/step.ts';
import { kernelVariant } from '../../src/kernels/wasm.ts';
import { initParams } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';

/** The CPU's feature flags (Linux), or null elsewhere. */
function cpuFlags(): Set<string> | null {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('flags'));
    return line ? new Set(line.split(':')[1].trim().split(/\s+/)) : null;
  } catch {
    return null;
  }
}

const flags = cpuFlags();
/** The instruction sets the kernels must run here (the bit-for-bit tests below go through each, so none passes on none). */
const wantIsas = flags ? [...(flags.has('avx512f') ? ['avx512' as const] : []), ...(flags.has('avx2') && flags.has('fma') ? ['avx2' as const] : [])] : [];

describe('native training kernels', () => {
  it('are built by npm ci and run every instruction set this CPU has', () => {
    // These machines are x86-64 Linux with a C++ compiler: a failed build would silently cost the speed.
    expect(flags).not.toBeNull();
    expect(wantIsas.length).toBeGreaterThan(0);
    expect(nativeIsas(), nativeUnavailableReason()).toEqual(wantIsas);
  });

  it('name the instruction set of a native kernel set, and none for a WASM build', () => {
    expect(isaOfSet('native-avx512')).toBe('avx512');
    expect(isaOfSet('native-avx2')).toBe('avx2');
    expect(isaOfSet('fma')).toBeNull();
    expect(isaOfSet('simd')).toBeNull();
  });

  it("measure each instruction set's FMA rate for the bench, and refuse a set or a duration they cannot measure", () => {
    for (const isa of wantIsas) {
      const flops = nativeFmaPeak(isa, 0.02)!;
      // No speed is asserted (that is the bench's business): only that a rate came back, within what a core can do.
      expect(Number.isFinite(flops)).toBe(true);
      expect(flops).toBeGreaterThan(1e8);
      expect(flops).toBeLessThan(1e13);
    }
    if (!wantIsas.includes('avx512')) expect(nativeFmaPeak('avx512')).toBeNull();
    const isa = wantIsas[0];
    expect(() => nativeFmaPeak(isa, 0)).toThrow(/duration in seconds/);
    expect(() => nativeFmaPeak(isa, 60)).toThrow(/duration in seconds/);
  });

  const original = process.env.BARD_KERNELS;
  afterEach(() => {
    if (original === undefined) delete process.env.BARD_KERNELS;
    else process.env.BARD_KERNELS = original;
  });

  it('by default run the set measured fastest, and BARD_KERNELS names one', () => {
    delete process.env.BARD_KERNELS;
    const sets = availableKernelSets();
    expect(sets).toEqual([...wantIsas.map((isa) => `native-${isa}`), kernelVariant()]);
    const pick = defaultKernelSet()!;
    expect(sets).toContain(pick);
    expect(kernelBackend()).toBe(pick.startsWith('native-') ? 'native' : pick);
    // kept for the processes that follow, for this CPU and these builds
    expect(JSON.parse(readFileSync(KERNEL_CHOICE_FILE, 'utf8')).choice).toBe(pick);
    process.env.BARD_KERNELS = 'simd';
    expect(kernelBackend()).toBe('simd');
    process.env.BARD_KERNELS = 'fma';
    expect(kernelBackend()).toBe(kernelVariant());
    process.env.BARD_KERNELS = 'native';
    expect(kernelBackend()).toBe('native');
    for (const isa of wantIsas) {
      process.env.BARD_KERNELS = `native-${isa}`;
      expect(defaultKernelSet()).toBe(`native-${isa}`);
      expect(new NativeArena().exports).toBeDefined();
    }
    process.env.BARD_KERNELS = 'avx9000';
    expect(() => kernelBackend()).toThrow(/BARD_KERNELS=avx9000: expected one of native, native-avx512, native-avx2, fma, simd/);
  });

  // Every product element is the chain acc = fma(x, w, acc) in the order of k on both, and the elementwise code does
  // the same float32 operations in the same order: so gradients and states agree with the WASM FMA build bit for bit.
  it.each([
    // H, V, B, T, dropout, norm stabiliser β
    [37, 11, 5, 7, false, 0], // rows, columns and strips all partial
    [64, 65, 9, 13, true, 0],
    [40, 23, 6, 9, true, 2],
    [300, 65, 32, 12, false, 0], // K past one chunk (256) in the recurrence and in the weight gradients (N = 384)
  ])('H=%i V=%i B=%i T=%i dropout=%s norm stabiliser=%i: same bits as the WASM FMA build, on each instruction set', (H, V, B, T, dropout, beta) => {
    expect(kernelVariant()).toBe('fma');
    const rng = new Rng(H + B + T);
    const p = initParams(H, V, () => rng.normal(), 0.08);
    for (let j = 0; j < H; j++) p.bh[j] = 0.1 * rng.normal();
    for (let c = 0; c < V; c++) p.by[c] = 0.1 * rng.normal();
    const inputs = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
    const targets = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
    const hprev = Float64Array.from({ length: B * H }, () => 0.5 * rng.normal());
    const mask = dropout ? Float32Array.from({ length: B * T * H }, () => (rng.next() < 0.25 ? 0 : 4 / 3)) : undefined;
    const wasm = createBatchedTrainer(H, V, B, T, { backend: 'fma' }).lossAndGrads(p, inputs, targets, hprev, mask, beta);
    for (const isa of wantIsas) {
      const native = createBatchedTrainer(H, V, B, T, { backend: 'native', isa }).lossAndGrads(p, inputs, targets, hprev, mask, beta);
      expect(native.h).toEqual(wasm.h);
      for (const name of ['Wxh', 'Whh', 'Why', 'bh', 'by'] as const) expect(native.grads[name]).toEqual(wasm.grads[name]);
      // The loss adds float64 logarithms (C's log against V8's Math.log, which may differ in the last bit).
      expect(Math.abs(native.loss - wasm.loss)).toBeLessThan(1e-9 * wasm.loss);
    }
    expect(wasm.grads.Whh.some((v) => v !== 0)).toBe(true);
  });

  it('the kept choice goes to the first folder that can be written, and only a matching key is read back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bard-choice-'));
    try {
      const files = [join(dir, 'missing-folder', 'choice.json'), join(dir, 'choice.json')];
      writeChoice({ key: 'cpu|builds', choice: 'fma', ms: { fma: 1 } }, files);
      expect(existsSync(files[0])).toBe(false);
      expect(JSON.parse(readFileSync(files[1], 'utf8')).choice).toBe('fma');
      expect(readChoice('cpu|builds', ['native-avx2', 'fma'], files)).toBe('fma');
      expect(readChoice('another cpu|builds', ['native-avx2', 'fma'], files)).toBeNull();
      expect(readChoice('cpu|builds', ['native-avx2'], files)).toBeNull(); // a set this machine no longer runs
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('split over two threads: the same states as on one', () => {
    const H = 48, V = 20, B = 6, T = 9;
    const rng = new Rng(4);
    const p = initParams(H, V, () => rng.normal(), 0.1);
    const inputs = Int32Array.from({ length: B * T }, () => Math.floor(rng.next() * V));
    const hprev = new Float64Array(B * H);
    const one = createBatchedTrainer(H, V, B, T, { backend: 'native' }).lossAndGrads(p, inputs, inputs, hprev);
    const pair = createBatchedTrainer(H, V, B, T, { backend: 'native', threads: 2 });
    try {
      const two = pair.lossAndGrads(p, inputs, inputs, hprev);
      expect(two.h).toEqual(one.h);
      for (let i = 0; i < one.grads.Whh.length; i++) expect(two.grads.Whh[i]).toBeCloseTo(one.grads.Whh[i], 4);
    } finally {
      void pair.close();
    }
  });

  it.each([
    // H, V, streams
    [70, 29, 5], // a 72-float state row, 32-float logits: partial vectors on both instruction sets
    [66, 29, 1], // rows of 68 and 68 + 32 floats: a last 4 floats after whole vectors of 8 and of 16
    [250, 65, 32], // the served size, a batch of 32
  ])('step, project, finishStep and draw at H=%i V=%i, %i streams: the same states and draws as the WASM FMA build, on each instruction set', (H, V, n) => {
    const rng = new Rng(9);
    const p = initParams(H, V, () => rng.normal(), 0.2);
    for (let j = 0; j < H; j++) p.bh[j] = 0.1 * rng.normal();
    const run = (k: RnnStepKernel) => {
      const seen: number[] = [];
      const r = new Rng(3);
      k.step(Array.from({ length: n }, (_, b) => (b + 1) % V), n); // without a projection first: stepHidden
      for (let t = 0; t < 60; t++) {
        k.computeLogits(n);
        for (let b = 0; b < n; b++) {
          k.invT[b] = 1 / (0.5 + 0.3 * b);
          k.uniforms[b] = r.next();
        }
        k.draw(n);
        seen.push(...k.draws.subarray(0, n));
        k.step(k.draws.subarray(0, n), n); // after one: finishStep
      }
      return { seen, h: Array.from({ length: n }, (_, b) => k.getState(b)), y: Float32Array.from(k.logitsOf(n - 1)) };
    };
    const wasm = run(new RnnStepKernel(p, n, 'fma'));
    expect(new Set(wasm.seen).size).toBeGreaterThan(5);
    for (const isa of wantIsas) {
      const native = run(new RnnStepKernel(p, n, 'native', isa));
      expect(native.seen).toEqual(wasm.seen);
      expect(native.h).toEqual(wasm.h);
      expect(native.y).toEqual(wasm.y);
    }
  });

  it('an arena keeps what was written when it grows, and its new space is zeroed', () => {
    const a = new NativeArena();
    const first = a.allocF32(100);
    a.f32().fill(2.5, first >> 2, (first >> 2) + 100);
    const big = a.allocF32(1 << 20);
    const m = a.f32();
    expect(m.byteLength).toBeGreaterThanOrEqual(big + 4 * (1 << 20));
    expect([...m.subarray(first >> 2, (first >> 2) + 100)].every((v) => v === 2.5)).toBe(true);
    expect(m.subarray(big >> 2, (big >> 2) + (1 << 20)).some((v) => v !== 0)).toBe(false);
  });
});
