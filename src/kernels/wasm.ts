import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Loads the float32 WASM SIMD kernels (src/kernels/assembly, built to build/kernels.wasm by
 * `npm run build:kernels`, which `npm ci` runs as the package's `prepare` script).
 * Each user of the kernels gets its own instance and memory (an Arena), so several models or
 * batches never share buffers.
 */

export const KERNELS_WASM = fileURLToPath(new URL('../../build/kernels.wasm', import.meta.url));

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
  gemmPacked(c: number, x: number, wp: number, nb: number, K: number, M: number, xrs: number, xcs: number, ldc: number): void;
  stepHidden(hin: number, hout: number, ixs: number, nb: number, H: number, Hp: number, WhhT: number, ldWhhT: number, WxhT: number, bh: number): void;
  logits(h: number, y: number, nb: number, H: number, Hp: number, Vp: number, WhyT: number, ldWhyT: number, by: number): void;
  project(h: number, sy: number, nb: number, H: number, Hp: number, Vp: number, Wcat: number, by: number): void;
  finishStep(sy: number, hout: number, ixs: number, nb: number, Hp: number, Vp: number, WxhT: number, bh: number): void;
  trainForward(
    hs: number, xs: number, ys: number, T: number, B: number, H: number, Hp: number, Vp: number,
    WhhT: number, WxhT: number, bh: number, WhyT: number, by: number, mask: number, hd: number, packed: number,
  ): void;
  transpose(src: number, dst: number, rows: number, cols: number, lds: number, ldd: number): void;
  softmaxLoss(ys: number, targets: number, N: number, V: number, Vp: number): number;
  trainBackward(
    hs: number, xs: number, ys: number, dhout: number, dhraw: number, dhnext: number, scratchT: number,
    T: number, B: number, H: number, Hp: number, V: number, Vp: number, Whh: number, Why: number,
    dWhh: number, dWxhT: number, dWhy: number, dbh: number, dby: number, mask: number, hd: number, packed: number,
  ): void;
}

let compiled: WebAssembly.Module | null | undefined;

function loadModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    compiled = existsSync(KERNELS_WASM) ? new WebAssembly.Module(readFileSync(KERNELS_WASM)) : null;
  }
  return compiled;
}

/** True when the WASM kernels are built (they are after `npm ci`). */
export function kernelsAvailable(): boolean {
  return loadModule() !== null;
}

/** Rounds n up to a multiple of 4: rows of the kernels' matrices are whole f32x4 vectors. */
export function pad4(n: number): number {
  return (n + 3) & ~3;
}

/** One kernel instance with a bump allocator over its memory. Allocate everything first, then take views. */
export class Arena {
  readonly exports: KernelExports;
  private top: number;

  constructor() {
    const mod = loadModule();
    if (!mod) throw new KernelsMissingError(`the WASM kernels are not built (${KERNELS_WASM} is missing): run \`npm run build:kernels\``);
    this.exports = new WebAssembly.Instance(mod, {}).exports as unknown as KernelExports;
    this.top = this.exports.heapBase();
  }

  /** Reserves `bytes` zeroed bytes, 64-byte aligned (a cache line), growing the memory as needed; returns the offset. */
  alloc(bytes: number): number {
    const ptr = (this.top + 63) & ~63;
    this.top = ptr + bytes;
    const memory = this.exports.memory;
    const need = this.top - memory.buffer.byteLength;
    if (need > 0) memory.grow(Math.ceil(need / 65536));
    return ptr;
  }

  allocF32(n: number): number {
    return this.alloc(4 * n);
  }

  /** A float32 view of the whole memory; take it after the last alloc (growing detaches older views). */
  f32(): Float32Array {
    return new Float32Array(this.exports.memory.buffer);
  }

  i32(): Int32Array {
    return new Int32Array(this.exports.memory.buffer);
  }
}
