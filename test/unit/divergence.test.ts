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

  it('says so when the loss drifts up slowly (the shape of H = 768 at lr 0.0015 on the faster trainer), never 0.3 above its lowest', () => {
    // Falls to 1.62, flat for 300 points, then creeps up 0.17 over 400 points.
    const drifting = curve(1000, (i) => (i < 300 ? 1.62 + 1.5 * Math.exp(-i / 30) : i < 600 ? 1.62 : 1.62 + Math.min(0.17, (i - 600) * 0.000425)));
    const said = warnings(new DivergenceWatch(), drifting);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^warning: step \d+: the training loss has drifted up from 1\.6\d\d to 1\.6\d\d nats\/char \(the median of 40 points\)/);
    const step = Number(/step (\d+)/.exec(said[0])![1]);
    // Early in the climb (0.05 is reached 118 points in; the lowest median sits about 0.02 below the flat part by noise),
    // long before the climb's end at point 1000.
    expect(step).toBeGreaterThan(50 * 630);
    expect(step).toBeLessThan(50 * 760);
    // A curve that flattens with the same noise and never climbs: nothing.
    expect(warnings(new DivergenceWatch(), curve(1000, (i) => 1.62 + 1.5 * Math.exp(-i / 30), 7))).toEqual([]);
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
