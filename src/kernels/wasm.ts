import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';

/**
 * Loads the float32 WASM SIMD kernels (src/kernels/assembly, built to build/kernels.wasm by
 * `npm run build:kernels`, which `npm ci` runs as the package's `prepare` script).
 * Each user of the kernels gets its own instance and memory (an Arena), so several models or
 * batches never share buffers.
 */

export const KERNELS_WASM = fileURLToPath(new URL('../../build/kernels.wasm', import.meta.url));
/** The same kernels built with relaxed SIMD, whose multiply-adds are fused on CPUs with FMA. */
export const KERNELS_FMA_WASM = fileURLToPath(new URL('../../build/kernels-fma.wasm', import.meta.url));


export class KernelsMissingError extends Error {}

/** The module's exports (pointers are byte offsets into the instance's memory). */
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  tanhArray(src: number, dst: number, n: number): void;
  expArray(src: number, dst: number, n: number): void;
  sampleRows(y: number, nb: number, V: number, Vp: number, ldy: number, invT: number, u: number, out: number, scratch: number): void;
  gemm(c: number, x: number, w: number, nb: number, K: number, M: number, xrs: number, xcs: number, ldw: number, ldc: number): void;
  packStrips(w: number, K: number, M: number, ldw: number, dst: number): void;
  gemmPacked(c: number, x: number, wp: number, nb: number, K: number, M: number, xrs: number, xcs: number, ldc: number, KC: number, xp: number): void;
  panelFloats(nb: number, K: number): number;
  packedFloats(K: number, M: number): number;
  stepHidden(
    hin: number, hout: number, ixs: number, nb: number, H: number, Hp: number, WhhT: number, ldWhhT: number, WxhT: number, bh: number,
    WhhP: number, xp: number,
  ): void;
  logits(h: number, y: number, nb: number, H: number, Hp: number, Vp: number, WhyT: number, ldWhyT: number, by: number): void;
  project(
    h: number, sy: number, nb: number, H: number, Hp: number, Vp: number, Wcat: number, ldW: number, by: number, WhhP: number, WhyP: number, xp: number,
  ): void;
  finishStep(sy: number, hout: number, ixs: number, nb: number, Hp: number, Vp: number, WxhT: number, bh: number): void;
  trainForward(
    hs: number, xs: number, ys: number, T: number, B: number, H: number, Hp: number, Vp: number,
    WhhT: number, WxhT: number, bh: number, WhyT: number, by: number, mask: number, hd: number, packed: number, panels: number,
  ): void;
  transpose(src: number, dst: number, rows: number, cols: number, lds: number, ldd: number): void;
  softmaxLoss(ys: number, targets: number, N: number, V: number, Vp: number): number;
  trainBackward(
    hs: number, xs: number, ys: number, dhout: number, dhraw: number, dhnext: number,
    T: number, B: number, H: number, Hp: number, V: number, Vp: number, Whh: number, Why: number,
    dWhh: number, dWxhT: number, dWhy: number, dbh: number, dby: number, mask: number, hd: number, dhextra: number, packed: number, panels: number,
  ): void;
}

/** The two builds: 'fma' (relaxed SIMD, fused multiply-adds where the CPU has FMA) and 'simd' (plain SIMD). */
export type KernelVariant = 'fma' | 'simd';

const modules = new Map<KernelVariant, WebAssembly.Module | null>();

/** The compiled module of one build, or null when it is not built or this engine cannot run it. */
function moduleOf(v: KernelVariant): WebAssembly.Module | null {
  if (!modules.has(v)) {
    const file = v === 'fma' ? KERNELS_FMA_WASM : KERNELS_WASM;
    let mod: WebAssembly.Module | null = null;
    if (existsSync(file)) {
      const bytes = readFileSync(file);
      // Node 20's V8 has relaxed SIMD behind a flag (on by default from V8 11.4). Wasm features are read when a
      // module is validated, so setting it here is enough, and it holds for worker threads too.
      if (v === 'fma') setFlagsFromString('--experimental-wasm-relaxed-simd');
      if (WebAssembly.validate(bytes)) mod = new WebAssembly.Module(bytes);
    }
    modules.set(v, mod);
  }
  return modules.get(v)!;
}

/**
 * The kernels both the WASM module and the native addon (src/kernels/native.ts) have: training, the generation step, and
 * the packing of the step's weights (whose layout and size differ between them: packedFloats and panelFloats say it).
 */
export type ArenaExports = Pick<
  KernelExports,
  | 'transpose' | 'trainForward' | 'softmaxLoss' | 'trainBackward' | 'stepHidden' | 'project' | 'finishStep' | 'sampleRows'
  | 'packStrips' | 'packedFloats' | 'panelFloats'
>;

/**
 * Memory and kernels of one user (an Arena here, or a NativeArena in src/kernels/native.ts), with a bump allocator
 * over the memory. Allocate everything first, then take views: growing may replace the buffer.
 */
export abstract class KernelArena {
  abstract readonly exports: ArenaExports;
  protected top = 0;

  /** The memory as it is now. */
  protected abstract buffer(): ArrayBuffer;
  /** Makes the memory at least `bytes` long, keeping what it holds; new bytes are zero. */
  protected abstract grow(bytes: number): void;

  /** Reserves `bytes` zeroed bytes, 64-byte aligned (a cache line), growing the memory as needed; returns the offset. */
  alloc(bytes: number): number {
    const ptr = (this.top + 63) & ~63;
    this.top = ptr + bytes;
    if (this.top > this.buffer().byteLength) this.grow(this.top);
    return ptr;
  }

  allocF32(n: number): number {
    return this.alloc(4 * n);
  }

  /** A float32 view of the whole memory; take it after the last alloc. */
  f32(): Float32Array {
    return new Float32Array(this.buffer());
  }

  i32(): Int32Array {
    return new Int32Array(this.buffer());
  }
}

/**
 * The build the kernels run on by default: 'fma' when it is built and this engine accepts it, else 'simd';
 * BARD_KERNELS=simd asks for the plain one. Null when neither is built.
 */
export function kernelVariant(): KernelVariant | null {
  if (process.env.BARD_KERNELS !== 'simd' && moduleOf('fma')) return 'fma';
  return moduleOf('simd') ? 'simd' : null;
}

/** True when the WASM kernels are built (they are after `npm ci`). */
export function kernelsAvailable(): boolean {
  return kernelVariant() !== null;
}

/** Rounds n up to a multiple of 4: rows of the kernels' matrices are whole f32x4 vectors. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One WASM kernel instance and its memory. */
export class Arena extends KernelArena {
  readonly exports: KernelExports;

  /** `variant` picks a build (tests run both); by default the one kernelVariant() names. */
  constructor(variant: KernelVariant | null = kernelVariant()) {
    super();
    const mod = variant && moduleOf(variant);
    if (!mod) throw new KernelsMissingError(`the WASM kernels are not built (${KERNELS_WASM} is missing): run \`npm run build:kernels\``);
    this.exports = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
    this.top = this.exports.heapBase();
  }

  protected buffer(): ArrayBuffer {
    return this.exports.memory.buffer;
  }

  protected grow(bytes: number): void {
    const memory = this.exports.memory;
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
  }
}
