import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Arena, type ArenaExports, KernelArena, type KernelVariant, kernelVariant } from './wasm.ts';

/**
 * The native kernels (native/kernels.cc, built by `npm ci` through `npm run build:native`): the batched
 * trainer's forward, softmax and BPTT, and the generation step, with AVX-512 or AVX2 vectors where WASM SIMD
 * has 128 bits. Same memory layout and the same float32 bits as the WASM relaxed-SIMD build
 * (test/kernels/native.test.ts). When the addon did not build (no C++ compiler) or this CPU has neither
 * instruction set, everything runs on WASM.
 */

export const NATIVE_ADDON = fileURLToPath(new URL('../../native/build/Release/bard_native.node', import.meta.url));

export type NativeIsa = 'avx512' | 'avx2';

interface NativeAddon {
  /** The instruction sets the addon has kernels for that this CPU runs, widest first (empty: none). */
  isas: NativeIsa[];
  /** The kernels on that buffer, with the widest instruction set or the one named. */
  bind(buffer: ArrayBuffer, isa?: NativeIsa): ArenaExports;
}

let addon: NativeAddon | null | undefined;
let whyNot = '';

function nativeAddon(): NativeAddon | null {
  if (addon === undefined) {
    addon = null;
    if (!existsSync(NATIVE_ADDON)) whyNot = 'not built';
    else {
      try {
        const loaded = createRequire(import.meta.url)(NATIVE_ADDON) as NativeAddon;
        if (loaded.isas.length > 0) addon = loaded;
        else whyNot = 'this CPU has neither AVX-512 nor AVX2 with FMA';
      } catch (e) {
        // built for another Node ABI or machine: WASM serves instead
        whyNot = `it does not load: ${(e as Error).message}`;
      }
    }
  }
  return addon;
}

/** Why the native kernels are not used ('' when they are). */
export function nativeUnavailableReason(): string {
  return nativeAddon() ? '' : whyNot;
}

/** The instruction sets the native kernels run here, widest first; empty when they are not built or this CPU has neither. */
export function nativeIsas(): NativeIsa[] {
  return nativeAddon()?.isas ?? [];
}

export type KernelBackend = 'native' | KernelVariant;

/**
 * The kernels training and sampling run on: the native ones when they are available, unless BARD_KERNELS names
 * a WASM build ('fma' or 'simd'); else the WASM build kernelVariant() picks. Null when nothing is built.
 */
export function kernelBackend(): KernelBackend | null {
  const forced = process.env.BARD_KERNELS;
  if ((!forced || forced === 'native') && nativeAddon()) return 'native';
  return kernelVariant();
}

/**
 * An arena for the native kernels: an ArrayBuffer under the same allocator as the WASM Arena, so that a trainer or a
 * step kernel lays out its buffers the same way on either. Growing replaces the buffer and binds the kernels to the new one.
 */
export class NativeArena extends KernelArena {
  private memory = new ArrayBuffer(1 << 16);
  private bound: ArenaExports;

  /** `isa` picks the instruction set (tests run each); by default the widest this CPU runs. */
  constructor(private readonly isa?: NativeIsa) {
    super();
    const a = nativeAddon();
    if (!a) throw new Error(`the native kernels are not available (${NATIVE_ADDON}: ${whyNot}): run \`npm run build:native\``);
    this.bound = a.bind(this.memory, isa);
    this.top = 64; // offset 0 stays unallocated: the kernels read a 0 pointer as "none" (no dropout mask)
  }

  get exports(): ArenaExports {
    return this.bound;
  }

  protected buffer(): ArrayBuffer {
    return this.memory;
  }

  protected grow(bytes: number): void {
    const grown = new ArrayBuffer(Math.max(bytes, 2 * this.memory.byteLength));
    new Uint8Array(grown).set(new Uint8Array(this.memory));
    this.memory = grown;
    this.bound = nativeAddon()!.bind(grown, this.isa);
  }
}

/** A new arena on the given kernels (by default kernelBackend()'s pick). */
export function newArena(backend: KernelBackend | null = kernelBackend(), isa?: NativeIsa): KernelArena {
  return backend === 'native' ? new NativeArena(isa) : new Arena(backend);
}
