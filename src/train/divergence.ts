/**
 * Watches the training curve for a loss that climbs and stays up: Adam's steps too large for the weights. At H = 768
 * and lr 0.002 the loss sat at 1.78, then rose to 2.98 within 2M characters, and the run was lost; a line that says so
 * as it starts saves the rest of the hour. Dropout and weight drop make the curve noisy (±0.05 between points), so
 * only a rise well above that, held for several points, counts.
 */
export class DivergenceWatch {
  private low = Infinity;
  private above = 0;
  private warned = false;

  constructor(
    /** How far above its lowest point the loss must be (nats/char). */
    private readonly rise = 0.3,
    /** For how many curve points in a row. */
    private readonly points = 4,
  ) {}

  /** Feeds one point of the training curve; returns a warning the first time the loss has diverged, else null. */
  see(step: number, loss: number, lr: number): string | null {
    if (!Number.isFinite(loss)) return this.warn(`step ${step}: the training loss is ${loss}`, lr);
    if (loss < this.low) this.low = loss;
    this.above = loss > this.low + this.rise ? this.above + 1 : 0;
    if (this.above < this.points) return null;
    return this.warn(`step ${step}: the training loss has risen from ${this.low.toFixed(3)} to ${loss.toFixed(3)} nats/char and stays there`, lr);
  }

  private warn(what: string, lr: number): string | null {
    if (this.warned) return null;
    this.warned = true;
    return `warning: ${what}: the learning rate (${lr.toPrecision(3)} now) is likely too high for this model. Ctrl-C writes a checkpoint; a new run with a lower --lr (such as ${(lr * 0.75).toPrecision(2)}) may do better.`;
  }
}
