import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { threadId } from 'node:worker_threads';
import { fastest } from './calibrate.ts';
import { Arena, type ArenaExports, KERNELS_FMA_WASM, KERNELS_WASM, KernelArena, type KernelVariant, kernelVariant } from './wasm.ts';

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
  /** A zeroed buffer of that many bytes starting on a cache line, which the arena's 64-byte alignment relies on. */
  memory(bytes: number): ArrayBuffer;
  /** Floating-point operations per second of that instruction set's fused multiply-adds on this core, measured for about `seconds`. */
  fmaPeak(isa: NativeIsa, seconds: number): number;
  elementwise: NativeElementwise;
}

/**
 * The training step's elementwise work outside the kernels, in place on typed arrays: the same float64 operations in
 * the same order as the JS loops of src/train (so the same bits), vectorised. Each module keeps its JS loop for
 * machines without the addon; test/kernels/elementwise.test.ts checks the two agree bit for bit.
 */
export interface NativeElementwise {
  /** Adam on one array (src/train/optimizers.ts); c1, c2 are the bias corrections 1 − β1ᵗ, 1 − β2ᵗ. */
  adam(theta: Float64Array, g: Float64Array, m: Float64Array, v: Float64Array, lr: number, beta1: number, beta2: number, eps: number, c1: number, c2: number, weightDecay: number): void;
  /** avg = d·avg + (1 − d)·x */
  ema(avg: Float64Array, x: Float64Array, d: number): void;
  /** dst = src ⊙ mask (dst may be src) */
  mask(dst: Float64Array, src: Float64Array, mask: Float32Array): void;
  /** fillDropoutMask's draws (src/train/dropout.ts): entry 0 when its 16 bits fall below threshold, else keep. */
  dropoutMask(mask: Float32Array, threshold: number, keep: number, seed: number): void;
  /** min-char-rnn's clip of every element to [−limit, limit] */
  clip(g: Float64Array, limit: number): void;
  /** s + Σ a², summed in order as a JS loop sums */
  sumSquares(a: Float64Array, s: number): number;
  /** a ·= k */
  scale(a: Float64Array, k: number): void;
  /** dst = src rounded to float32 (what Float32Array.set does, without its slower conversion path) */
  narrow(dst: Float32Array, src: Float64Array): void;
  /** a += b in float32 */
  add(a: Float32Array, b: Float32Array): void;
  /** dst = src · k in float64 */
  widen(dst: Float64Array, src: Float32Array, k: number): void;
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

/** The native elementwise loops, or null when the addon is not built here or BARD_ELEMENTWISE=js (the JS loops serve then). */
export function nativeElementwise(): NativeElementwise | null {
  if (process.env.BARD_ELEMENTWISE === 'js') return null;
  return nativeAddon()?.elementwise ?? null;
}

/** Why the native kernels are not used ('' when they are). */
export function nativeUnavailableReason(): string {
  return nativeAddon() ? '' : whyNot;
}

/** The instruction sets the native kernels run here, widest first; empty when they are not built or this CPU has neither. */
export function nativeIsas(): NativeIsa[] {
  return nativeAddon()?.isas ?? [];
}

/**
 * The FLOP/s this core's fused multiply-adds reach at the vector width of `isa` (independent chains, registers only):
 * the ceiling a kernel's rate is compared with. Null when the native kernels do not run that set here.
 */
export function nativeFmaPeak(isa: NativeIsa, seconds = 0.25): number | null {
  return nativeIsas().includes(isa) ? nativeAddon()!.fmaPeak(isa, seconds) : null;
}

export type KernelBackend = 'native' | KernelVariant;

/** A kernel set: the native kernels on one instruction set, or a WASM build. */
export type KernelSet = `native-${NativeIsa}` | KernelVariant;

const SET_NAMES = ['native-avx512', 'native-avx2', 'fma', 'simd'] as const;

/** The instruction set of a native kernel set ('native-avx2' → 'avx2'), or null for a WASM build. */
export function isaOfSet(set: KernelSet): NativeIsa | null {
  return set.startsWith('native-') ? (set.slice('native-'.length) as NativeIsa) : null;
}

/** The kernel sets this machine runs: the native ones (widest first), then the WASM build kernelVariant() picks. */
export function availableKernelSets(): KernelSet[] {
  const wasm = kernelVariant();
  return [...nativeIsas().map((isa) => `native-${isa}` as const), ...(wasm ? [wasm] : [])];
}

/**
 * Where the measured choice is kept: beside the addon, so a rebuild (which empties native/build) measures again; or,
 * where that folder is read-only (the Docker image runs as another user), in the system's temporary folder.
 */
export const KERNEL_CHOICE_FILE = join(dirname(dirname(NATIVE_ADDON)), 'kernel-choice.json');
const CHOICE_FILES = [KERNEL_CHOICE_FILE, join(tmpdir(), 'bard-kernel-choice.json')];

export interface KernelChoice {
  key: string;
  choice: KernelSet;
  /** Each set's best probe time (ms), for whoever wonders why. */
  ms: Record<string, number>;
}

/** What the choice depends on: the CPU, and the builds of both kernels. */
function choiceKey(): string {
  const mtime = (f: string) => (existsSync(f) ? statSync(f).mtimeMs : 0);
  return [cpus()[0]?.model ?? '?', nativeIsas().join('+'), mtime(NATIVE_ADDON), mtime(KERNELS_FMA_WASM), mtime(KERNELS_WASM)].join('|');
}

/** The kept choice for this key from the first of `files` that has one, or null. */
export function readChoice(key: string, sets: KernelSet[], files = CHOICE_FILES): KernelSet | null {
  for (const file of files) {
    if (!existsSync(file)) continue;
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as KernelChoice;
      if (c.key === key && sets.includes(c.choice)) return c.choice;
    } catch (e) {
      process.emitWarning(`bard: ignoring ${file} (${(e as Error).message}); measuring the kernels again`);
    }
  }
  return null;
}

/** Keeps the choice in the first of `files` that can be written. */
export function writeChoice(c: KernelChoice, files = CHOICE_FILES): void {
  const failures: string[] = [];
  for (const file of files) {
    const tmp = `${file}.${process.pid}-${threadId}`;
    try {
      writeFileSync(tmp, JSON.stringify(c, null, 2) + '\n');
      renameSync(tmp, file); // whole or not at all, when two processes measure at once
      return;
    } catch (e) {
      failures.push(`${file}: ${(e as Error).message}`);
    }
  }
  process.emitWarning(`bard: could not keep the kernel choice (${failures.join('; ')}); each process will measure it`);
}

let chosen: KernelSet | null | undefined;

/**
 * The fastest kernel set of this machine, measured at first use (about 0.1 s, calibrate.ts) and kept (writeChoice)
 * for the processes and threads that follow; with a single set there is nothing to measure.
 */
function measuredChoice(): KernelSet | null {
  if (chosen !== undefined) return chosen;
  const sets = availableKernelSets();
  if (sets.length <= 1) return (chosen = sets[0] ?? null);
  const key = choiceKey();
  chosen = readChoice(key, sets);
  if (!chosen) {
    const arena = (name: KernelSet) => () => {
      const isa = isaOfSet(name);
      return isa ? new NativeArena(isa) : new Arena(name as KernelVariant);
    };
    const r = fastest(sets.map((name) => ({ name, arena: arena(name) })));
    chosen = r.name;
    writeChoice({ key, choice: chosen, ms: r.ms });
  }
  return chosen;
}

/**
 * The kernels training and sampling run on by default: never slower than another set this machine runs, by
 * measuring (measuredChoice). BARD_KERNELS names one instead: 'native' (the native set measured fastest),
 * 'native-avx512', 'native-avx2', or a WASM build ('fma', 'simd'). Null when nothing is built.
 */
export function defaultKernelSet(): KernelSet | null {
  const forced = process.env.BARD_KERNELS;
  if (!forced) return measuredChoice();
  if (forced === 'fma' || forced === 'simd') return kernelVariant();
  const natives = availableKernelSets().filter((s) => isaOfSet(s));
  if (forced === 'native') {
    const pick = measuredChoice();
    return pick && natives.includes(pick) ? pick : (natives[0] ?? kernelVariant());
  }
  if (!(SET_NAMES as readonly string[]).includes(forced)) throw new Error(`BARD_KERNELS=${forced}: expected one of native, ${SET_NAMES.join(', ')}`);
  if (!natives.includes(forced as KernelSet)) throw new Error(`BARD_KERNELS=${forced}: not available here (${nativeUnavailableReason() || `this machine runs ${natives.join(', ')}`})`);
  return forced as KernelSet;
}

/** The backend of defaultKernelSet(): 'native', or the WASM build. Null when nothing is built. */
export function kernelBackend(): KernelBackend | null {
  const set = defaultKernelSet();
  return set === null ? null : isaOfSet(set) ? 'native' : (set as KernelVariant);
}

/** The instruction set native arenas take by default: defaultKernelSet()'s, or the widest when that is WASM. */
function defaultIsa(): NativeIsa | undefined {
  const set = defaultKernelSet();
  return (set && isaOfSet(set)) ?? nativeIsas()[0];
}

/**
 * An arena for the native kernels: an ArrayBuffer under the same allocator as the WASM Arena, so that a trainer or a
 * step kernel lays out its buffers the same way on either. Growing replaces the buffer and binds the kernels to the new one.
 */
export class NativeArena extends KernelArena {
  private memory: ArrayBuffer;
  private bound: ArenaExports;

  private readonly isa: NativeIsa | undefined;

  /** `isa` picks the instruction set (tests run each); by default defaultKernelSet()'s. */
  constructor(isa?: NativeIsa) {
    super();
    const a = nativeAddon();
    if (!a) throw new Error(`the native kernels are not available (${NATIVE_ADDON}: ${whyNot}): run \`npm run build:native\``);
    this.isa = isa ?? defaultIsa();
    this.memory = a.memory(1 << 16);
    this.bound = a.bind(this.memory, this.isa);
    this.top = 64; // offset 0 stays unallocated: the kernels read a 0 pointer as "none" (no dropout mask)
  }

  get exports(): ArenaExports {
    return this.bound;
  }

  protected buffer(): ArrayBuffer {
    return this.memory;
  }

  protected grow(bytes: number): void {
    const grown = nativeAddon()!.memory(Math.max(bytes, 2 * this.memory.byteLength));
    new Uint8Array(grown).set(new Uint8Array(this.memory));
    this.memory = grown;
    this.bound = nativeAddon()!.bind(grown, this.isa);
  }
}

/** A new arena on the given kernels (by default kernelBackend()'s pick). */
export function newArena(backend: KernelBackend | null = kernelBackend(), isa?: NativeIsa): KernelArena {
  return backend === 'native' ? new NativeArena(isa) : new Arena(backend);
}
