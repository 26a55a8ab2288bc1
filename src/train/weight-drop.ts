import { nativeElementwise } from '../kernels/native.ts';
import type { Params } from '../rnn/params.ts';
import { fillDropoutMask } from './dropout.ts';

/**
 * Weight drop on the recurrence (DropConnect on Whh, as AWD-LSTM does to its hidden-to-hidden weights):
 * each step runs on Whh' = Whh ⊙ M, where M drops each entry with probability p and scales the kept
 * ones by 1/(1 − p). One mask serves every stream and time step of the step's windows, so a dropped
 * connection is gone for a whole window rather than flickering, and the unmasked Whh is the expected
 * weight: validation and sampling run the plain min-char-rnn equations with no rescaling.
 *
 * The engines need no change: they get a Params whose Whh is the masked copy, and since
 * ∂L/∂Whh = ∂L/∂Whh' ⊙ M, `maskGradient` turns their gradient into the one for the real Whh.
 */
export class WeightDrop {
  private readonly mask: Float32Array;
  private readonly dropped: Float64Array;

  constructor(
    H: number,
    readonly p: number,
  ) {
    this.mask = new Float32Array(H * H);
    this.dropped = new Float64Array(H * H);
  }

  /** The parameters for this step: Whh masked with the mask drawn from `seed`, the rest shared. */
  apply(params: Params, seed: number): Params {
    const { mask, dropped } = this;
    fillDropoutMask(mask, this.p, seed);
    const W = params.Whh;
    const native = nativeElementwise();
    if (native) native.mask(dropped, W, mask);
    else for (let i = 0; i < W.length; i++) dropped[i] = W[i] * mask[i];
    return { ...params, Whh: dropped };
  }

  /** Gradients with respect to the masked Whh → gradients with respect to Whh itself. */
  maskGradient(grads: Params): void {
    const { mask } = this;
    const g = grads.Whh;
    const native = nativeElementwise();
    if (native) native.mask(g, g, mask);
    else for (let i = 0; i < g.length; i++) g[i] *= mask[i];
  }
}
