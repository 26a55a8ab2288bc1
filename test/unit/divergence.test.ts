import { describe, expect, it } from 'vitest';
import { DivergenceWatch } from '../../src/train/divergence.ts';
import { Rng } from '../../src/rnn/rng.ts';

/** A training curve every 50 steps: `at(i)` plus dropout's noise (±0.05). */
function curve(n: number, at: (i: number) => number, seed = 1): { step: number; loss: number }[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => ({ step: 50 * (i + 1), loss: at(i) + (rng.next() - 0.5) * 0.1 }));
}

const warnings = (w: DivergenceWatch, points: { step: number; loss: number }[]) =>
  points.map((p) => w.see(p.step, p.loss, 0.002)).filter((x): x is string => x !== null);

describe('DivergenceWatch', () => {
  it('stays quiet on a healthy, noisy curve that falls and flattens', () => {
    const healthy = curve(1000, (i) => 1.4 + 2.3 * Math.exp(-i / 40));
    expect(warnings(new DivergenceWatch(), healthy)).toEqual([]);
  });

  it('says so once when the loss climbs and stays up (the shape of H = 768 at lr 0.002), with a lower rate to try', () => {
    // Flat at 1.78 for 200 points, then up to about 2.9 and slowly back down.
    const diverging = curve(300, (i) => (i < 200 ? 1.78 : i < 230 ? 1.78 + (i - 200) * 0.04 : 2.9 - (i - 230) * 0.005));
    const said = warnings(new DivergenceWatch(), diverging);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^warning: step \d+: the training loss has risen from 1\.7\d\d to 2\.\d{3} nats\/char and stays there/);
    expect(said[0]).toContain('a lower --lr (such as 0.0015)');
    const step = Number(/step (\d+)/.exec(said[0])![1]);
    // Within a few points of the rise passing 0.3 nats, not at its top.
    expect(step).toBeGreaterThan(50 * 207);
    expect(step).toBeLessThan(50 * 218);
  });

  it('a single spike is not a divergence', () => {
    const spiky = curve(300, (i) => (i === 150 || i === 151 ? 3.5 : 1.6));
    expect(warnings(new DivergenceWatch(), spiky)).toEqual([]);
  });

  it('a loss that is not a number is reported at once', () => {
    const w = new DivergenceWatch();
    expect(w.see(50, 2.1, 0.01)).toBeNull();
    expect(w.see(100, NaN, 0.01)).toMatch(/^warning: step 100: the training loss is NaN/);
    expect(w.see(150, NaN, 0.01)).toBeNull();
  });
});
