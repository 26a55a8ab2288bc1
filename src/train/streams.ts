/**
 * B independent reading positions spread evenly over the training text (stream b starts at b·N/B),
 * each with its own hidden state carried from window to window (truncated BPTT).
 * A stream that runs off the end starts again at 0 with h = 0, as min-char-rnn does; that also keeps
 * the zero state one the network has seen. No randomness, so a resumed run reads exactly what an
 * uninterrupted one would.
 */
export class Streams {
  readonly inputs: Int32Array;
  readonly targets: Int32Array;

  constructor(
    readonly text: Int32Array,
    readonly B: number,
    readonly T: number,
    readonly H: number,
    /** Current position of each stream. */
    readonly pos: Float64Array = Streams.spread(text.length, B),
    /** Hidden state of each stream, h[b*H + j]. */
    readonly h: Float64Array = new Float64Array(B * H),
  ) {
    if (text.length < T + 1) throw new Error(`the training text (${text.length} characters) is shorter than one window (${T + 1})`);
    if (pos.length !== B || h.length !== B * H) throw new Error('stream state does not match batch and hidden size');
    this.inputs = new Int32Array(B * T);
    this.targets = new Int32Array(B * T);
  }

  static spread(N: number, B: number): Float64Array {
    return Float64Array.from({ length: B }, (_, b) => Math.floor((b * N) / B));
  }

  /** Fills inputs/targets with each stream's next window (wrapping streams that reached the end). */
  next(): void {
    const { text, B, T, H } = this;
    for (let b = 0; b < B; b++) {
      if (this.pos[b] + T + 1 > text.length) {
        this.pos[b] = 0;
        this.h.fill(0, b * H, (b + 1) * H);
      }
      const p = this.pos[b];
      for (let t = 0; t < T; t++) {
        this.inputs[b * T + t] = text[p + t];
        this.targets[b * T + t] = text[p + t + 1];
      }
    }
  }

  /** Moves every stream past the window just read. */
  advance(): void {
    for (let b = 0; b < this.B; b++) this.pos[b] += this.T;
  }
}
