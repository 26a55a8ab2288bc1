import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { type KernelVariant, kernelVariant, type TrainingArena, type TrainingExports } from './wasm.ts';

/**
 * The native training kernels (native/train.cc, built by `npm ci` through `npm run build:native`): the
 * batched trainer's forward, softmax and BPTT with AVX-512 or AVX2 vectors, where WASM SIMD has 128 bits.
 * Same memory layout and same float32 results as the WASM kernels (test/kernels/native.test.ts). When the
 * addon did not build (no C++ compiler) or this CPU has neither instruction set, training runs on WASM.
 */

export const NATIVE_ADDON = fileURLToPath(new URL('../../native/build/Release/bard_native.node', import.meta.url));

export type NativeIsa = 'avx512' | 'avx2';

interface NativeAddon {
  /** The instruction sets the addon has kernels for that this CPU runs, widest first (empty: none). */
  isas: NativeIsa[];
  /** The kernels on that buffer, with the widest instruction set or the one named. */
  bind(buffer: ArrayBuffer, isa?: NativeIsa): TrainingExports;
}

let addon: NativeAddon | null | undefined;

function nativeAddon(): NativeAddon | null {
  if (addon === undefined) {
    addon = null;
    if (existsSync(NATIVE_ADDON)) {
      try {
        const loaded = createRequire(import.meta.url)(NATIVE_ADDON) as NativeAddon;
        if (loaded.isas.length > 0) addon = loaded;
      } catch {
        // built for another Node ABI or machine: WASM serves instead
      }
    }
  }
  return addon;
}

/** The instruction sets the native kernels run here, widest first; empty when they are not built or this CPU has neither. */
export function nativeIsas(): NativeIsa[] {
  return nativeAddon()?.isas ?? [];
}

export type TrainingBackend = 'native' | KernelVariant;

/**
 * The kernels batched training runs on: the native ones when they are available, unless BARD_KERNELS names a
 * WASM build ('fma' or 'simd'); else the WASM build kernelVariant() picks. Null when nothing is built.
 */
export function trainingBackend(): TrainingBackend | null {
  const forced = process.env.BARD_KERNELS;
  if ((!forced || forced === 'native') && nativeAddon()) return 'native';
  return kernelVariant();
}

/**
 * An arena for the native kernels: an ArrayBuffer with the same bump allocator as the WASM Arena, so that a
 * trainer lays out its buffers the same way on either. Growing replaces the buffer (allocate first, then take views).
 */
export class NativeArena implements TrainingArena {
  private buffer = new ArrayBuffer(1 << 16);
  private bound: TrainingExports;
  private top = 64;

  /** `isa` picks the instruction set (tests run each); by default the widest this CPU runs. */
  constructor(private readonly isa?: NativeIsa) {
    const a = nativeAddon();
    if (!a) throw new Error(`the native kernels are not built or do not run on this CPU (${NATIVE_ADDON}): run \`npm run build:native\``);
    this.bound = a.bind(this.buffer, isa);
  }

  get exports(): TrainingExports {
    return this.bound;
  }

  /** Reserves `bytes` zeroed bytes, 64-byte aligned; returns the offset. */
  alloc(bytes: number): number {
    const ptr = (this.top + 63) & ~63;
    this.top = ptr + bytes;
    if (this.top > this.buffer.byteLength) {
      const grown = new ArrayBuffer(Math.max(this.top, 2 * this.buffer.byteLength));
      new Uint8Array(grown).set(new Uint8Array(this.buffer));
      this.buffer = grown;
      this.bound = nativeAddon()!.bind(grown, this.isa);
    }
    return ptr;
  }

  allocF32(n: number): number {
    return this.alloc(4 * n);
  }

  f32(): Float32Array {
    return new Float32Array(this.buffer);
  }

  i32(): Int32Array {
    return new Int32Array(this.buffer);
  }
}
