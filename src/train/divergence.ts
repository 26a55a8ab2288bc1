/**
 * Watches the training curve for a loss that climbs and stays up: Adam's steps too large for the weights. At H = 768
 * and lr 0.002 the loss sat at 1.78, then rose to 2.98 within 2M characters, and the run was lost; a line that says so
 * as it starts saves the rest of the hour. Dropout and weight drop make the curve noisy (±0.05 between points), so
 * only a rise well above that, held for several points, counts.
 *
 * It also watches for a slow drift: at lr 0.0015 with steps 1.5× faster (so 1.5× more of them at a high rate), the
 * loss of an H = 768 run crept from 1.62 to 1.79 over 20,000 steps while validation went from 1.556 to 1.651, never
 * 0.3 above its lowest point. The median of a long window of points hides the noise and the spikes: one `drift` above
 * the lowest such median so far has drifted. Replayed on that run's curve it warns at step 35,700, where validation had
 * already turned up; on the curves of healthy runs, never.
 */
export class DivergenceWatch {
  private low = Infinity;
  private above = 0;
  private warned = false;
  private readonly recent: number[] = [];
  private lowTypical = Infinity;

  constructor(
    /** How far above its lowest point the loss must be (nats/char). */
    private readonly rise = 0.3,
    /** For how many curve points in a row. */
    private readonly points = 4,
    /** How far the median of the last `window` points must rise above its lowest (nats/char). */
    private readonly drift = 0.05,
    private readonly window = 40,
  ) {}

  /** Feeds one point of the training curve; returns a warning the first time the loss has diverged, else null. */
  see(step: number, loss: number, lr: number): string | null {
    if (!Number.isFinite(loss)) return this.warn(`step ${step}: the training loss is ${loss}`, lr);
    if (loss < this.low) this.low = loss;
    this.above = loss > this.low + this.rise ? this.above + 1 : 0;
    if (this.above >= this.points) return this.warn(`step ${step}: the training loss has risen from ${this.low.toFixed(3)} to ${loss.toFixed(3)} nats/char and stays there`, lr);
    this.recent.push(loss);
    if (this.recent.length > this.window) this.recent.shift();
    if (this.recent.length < this.window) return null;
    const typical = median(this.recent);
    if (typical < this.lowTypical) this.lowTypical = typical;
    if (typical < this.lowTypical + this.drift) return null;
    return this.warn(`step ${step}: the training loss has drifted up from ${this.lowTypical.toFixed(3)} to ${typical.toFixed(3)} nats/char (the median of ${this.window} points)`, lr);
  }

  private warn(what: string, lr: number): string | null {
    if (this.warned) return null;
    this.warned = true;
    return `warning: ${what}: the learning rate (${lr.toPrecision(3)} now) is likely too high for this model. Ctrl-C writes a checkpoint; a new run with a lower --lr (such as ${(lr * 0.75).toPrecision(2)}) may do better.`;
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
