import type { Rng } from '../rnn/rng.ts';
import type { ParamsLike } from './layout.ts';
import { RnnStepKernel } from './step.ts';

/** One generation: read `prompt` from `h0`, then sample `length` characters at temperature `temp`. */
export interface StreamSpec {
  h0: ArrayLike<number>;
  prompt: ArrayLike<number>;
  length: number;
  temp: number;
  rng: Rng;
}

export interface StreamDone {
  id: number;
  /** The sampled characters' indices (the continuation). */
  ixs: number[];
  /** The float32 state after the last character read or sampled. */
  h32: Float64Array;
}

// What tick() returns when no stream finished (most ticks): no new array per tick for the collector.
const noneDone: readonly StreamDone[] = Object.freeze([]);

interface Stream {
  id: number;
  spec: StreamSpec;
  pos: number;
  out: number[];
}

/**
 * Continuous batching of generations on the float32 step kernel: every tick advances each active stream
 * by one character (a prompt character while it primes, a sampled one after), with one matrix–matrix
 * product for the whole batch. Streams join (add) and leave (when done) at any tick.
 *
 * Per stream the arithmetic is exactly that of the stream alone: the kernel computes each row
 * independently, and the draw is p = softmax(y / T) from the row's logits with one uniform from the
 * stream's own Rng (Rng.choice's rule, in the kernel). So a stream's text is identical, character for
 * character, to a batch of one (which is what complete() in src/rnn/generate.ts runs).
 */
export class BatchSampler {
  readonly kernel: RnnStepKernel;
  private readonly rows: Stream[] = [];
  private readonly ixs: Int32Array;
  private finished: StreamDone[] = [];
  private nextId = 1;

  constructor(params: ParamsLike, readonly capacity: number) {
    this.kernel = new RnnStepKernel(params, capacity);
    this.ixs = new Int32Array(capacity);
  }

  /** Number of streams in the batch. */
  get size(): number {
    return this.rows.length;
  }

  /** Copies new parameter values in (only between generations: running streams would mix two models). */
  load(params: ParamsLike): void {
    this.kernel.load(params);
  }

  /** Adds a stream; returns its id. Its result comes out of a later tick(). */
  add(spec: StreamSpec): number {
    if (this.rows.length >= this.capacity) throw new RangeError(`the batch is full (${this.capacity} streams)`);
    if (!Number.isInteger(spec.length) || spec.length < 0) throw new RangeError(`length must be a whole number >= 0, got ${spec.length}`);
    if (!(spec.temp > 0 && Number.isFinite(spec.temp))) throw new RangeError(`temperature must be a positive number, got ${spec.temp}`);
    const s: Stream = { id: this.nextId++, spec, pos: 0, out: [] };
    const row = this.rows.length;
    this.rows.push(s);
    this.kernel.setState(row, spec.h0);
    if (this.isDone(s)) this.retire(row);
    return s.id;
  }

  /** Drops a stream before it finishes (its job was cancelled); false if no such stream is running. */
  cancel(id: number): boolean {
    const row = this.rows.findIndex((s) => s.id === id);
    if (row < 0) return false;
    this.retire(row);
    this.finished.pop();
    return true;
  }

  /** Advances every stream by one character; returns the streams that finished (including any that needed no step). */
  tick(): readonly StreamDone[] {
    const n = this.rows.length;
    if (n > 0) {
      const k = this.kernel;
      let sampling = false;
      for (let row = 0; row < n; row++) {
        const s = this.rows[row];
        if (s.pos < s.spec.prompt.length) {
          k.invT[row] = 1;
          k.uniforms[row] = 0;
        } else {
          sampling = true;
          k.invT[row] = 1 / s.spec.temp;
          k.uniforms[row] = s.spec.rng.next();
        }
      }
      if (sampling) {
        // y = Why h + by and a draw from softmax(y / T) for every row (a row that primes ignores its draw)
        k.computeLogits(n);
        k.draw(n);
      }
      for (let row = 0; row < n; row++) {
        const s = this.rows[row];
        if (s.pos < s.spec.prompt.length) {
          this.ixs[row] = s.spec.prompt[s.pos++];
        } else {
          const ix = k.draws[row];
          s.out.push(ix);
          this.ixs[row] = ix;
        }
      }
      // h = tanh(Wxh x + Whh h + bh) for every row at once
      this.kernel.step(this.ixs, n);
      for (let row = n - 1; row >= 0; row--) if (this.isDone(this.rows[row])) this.retire(row);
    }
    if (this.finished.length === 0) return noneDone;
    const done = this.finished;
    this.finished = [];
    return done;
  }

  /** Ticks until every stream is done; returns all results. */
  drain(): StreamDone[] {
    const all: StreamDone[] = [];
    while (this.rows.length > 0) all.push(...this.tick());
    all.push(...this.tick());
    return all;
  }

  private isDone(s: Stream): boolean {
    return s.pos >= s.spec.prompt.length && s.out.length >= s.spec.length;
  }

  /** Takes a finished stream out, moving the last row into its place so rows 0..size-1 stay packed. */
  private retire(row: number): void {
    const s = this.rows[row];
    this.finished.push({ id: s.id, ixs: s.out, h32: this.kernel.getState(row) });
    const last = this.rows.length - 1;
    if (row !== last) {
      this.kernel.moveRow(last, row);
      this.rows[row] = this.rows[last];
    }
    this.rows.pop();
  }
}
