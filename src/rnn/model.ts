import { encode, type Encoded } from './vocab.ts';
import type { Params } from './params.ts';

export interface ModelMeta {
  /** A short name shown in footers, e.g. "bard-h768". */
  name?: string;
  /** Anything else a snapshot carries: training stats, hyper-parameters, … */
  [key: string]: unknown;
}

/** A trained char-RNN: its parameters, its vocabulary and, when the trainer stored one, its warm start state. */
export class Model {
  readonly charToIx: ReadonlyMap<string, number>;

  constructor(
    readonly params: Params,
    /** Characters in index order (chars[i] is ix_to_char[i]). */
    readonly chars: readonly string[],
    /** Hidden state stored at training time (after reading a burn-in text), if any. */
    readonly h0: Float64Array | null = null,
    readonly meta: ModelMeta = {},
  ) {
    if (chars.length !== params.V) throw new Error(`vocabulary has ${chars.length} characters but the weights expect ${params.V}`);
    if (h0 && h0.length !== params.H) throw new Error(`start state has ${h0.length} entries but the hidden size is ${params.H}`);
    this.charToIx = new Map(chars.map((c, i) => [c, i]));
    if (this.charToIx.size !== chars.length) throw new Error('vocabulary has repeated characters');
  }

  get H(): number {
    return this.params.H;
  }

  get V(): number {
    return this.params.V;
  }

  get vocab(): string {
    return this.chars.join('');
  }

  encode(text: string): Encoded {
    return encode(text, this.charToIx);
  }

  decode(ixs: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ixs.length; i++) s += this.chars[ixs[i]];
    return s;
  }
}
