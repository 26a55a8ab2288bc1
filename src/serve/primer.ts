import type { ParamsLike } from '../kernels/layout.ts';
import { RnnStepKernel } from '../kernels/step.ts';

/** A stream whose prompt has been read: the state to sample from. */
export interface Primed {
  id: number;
  h: Float64Array;
}

interface Row {
  id: number;
  ixs: ArrayLike<number>;
  pos: number;
}

/**
 * Reads prompts in bulk: every stream that is priming advances one prompt character per step, all rows
 * in one matrix–matrix product (h = tanh(Wxh x + Whh h + bh) for the whole batch), and a caller can run
 * many steps in a row (step(budget)) before the sampling batch ticks again. So a 6000-character context
 * is read in a few milliseconds instead of holding its stream back for 6000 ticks of the sampling batch.
 *
 * A row's arithmetic does not depend on its neighbours (see RnnStepKernel), and a float32 state read out
 * as float64 and written back is the same float32, so a prompt primed here then sampled in a BatchSampler
 * gives the bits a BatchSampler that read the prompt itself gives: the text complete() gives.
 */
export class Primer {
  private readonly kernel: RnnStepKernel;
  private readonly rows: Row[] = [];
  private readonly ixs: Int32Array;

  constructor(params: ParamsLike, readonly capacity: number) {
    this.kernel = new RnnStepKernel(params, capacity);
    this.ixs = new Int32Array(capacity);
  }

  get size(): number {
    return this.rows.length;
  }

  /** Characters still to read, over all rows. */
  get backlog(): number {
    let n = 0;
    for (const r of this.rows) n += r.ixs.length - r.pos;
    return n;
  }

  /** Starts reading `ixs` from state h0. A stream with nothing to read is done at once (returned by the next step()). */
  add(id: number, h0: ArrayLike<number>, ixs: ArrayLike<number>): void {
    if (this.rows.length >= this.capacity) throw new RangeError(`the primer is full (${this.capacity} streams)`);
    this.kernel.setState(this.rows.length, h0);
    this.rows.push({ id, ixs, pos: 0 });
  }

  /** Drops a stream before its prompt is read; false if it is not here. */
  cancel(id: number): boolean {
    const row = this.rows.findIndex((r) => r.id === id);
    if (row < 0) return false;
    this.remove(row);
    return true;
  }

  /** Runs at most `budget` steps (each advances every row by a character); returns the streams whose prompt is read. */
  step(budget: number): Primed[] {
    const done: Primed[] = [];
    this.collect(done);
    for (let t = 0; t < budget && this.rows.length > 0; t++) {
      const n = this.rows.length;
      for (let row = 0; row < n; row++) {
        const r = this.rows[row];
        this.ixs[row] = r.ixs[r.pos++];
      }
      this.kernel.step(this.ixs, n);
      this.collect(done);
    }
    return done;
  }

  /** Takes out the rows with nothing left to read (moving the last row into the gap keeps rows packed). */
  private collect(done: Primed[]): void {
    for (let row = this.rows.length - 1; row >= 0; row--) {
      const r = this.rows[row];
      if (r.pos < r.ixs.length) continue;
      done.push({ id: r.id, h: this.kernel.getState(row) });
      this.remove(row);
    }
  }

  private remove(row: number): void {
    const last = this.rows.length - 1;
    if (row !== last) {
      this.kernel.moveRow(last, row);
      this.rows[row] = this.rows[last];
    }
    this.rows.pop();
  }
}
