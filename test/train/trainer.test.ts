import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PARAM_NAMES } from '../../src/rnn/params.ts';
import { loadCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.ts';
import { makeConfig, type TrainConfig } from '../../src/train/config.ts';
import { makeCorpus } from '../../src/train/data.ts';
import { Trainer } from '../../src/train/trainer.ts';
import { loadSnapshot, saveSnapshot } from '../../src/snapshot/index.ts';
import { syntheticText } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'bard-train-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const corpus = makeCorpus(syntheticText(6000));
const small = (over: Partial<TrainConfig> = {}) => makeConfig({ hidden: 16, seqLength: 10, batch: 4, seed: 5, ...over });

function run(cfg: TrainConfig, steps: number): Trainer {
  const t = new Trainer(corpus, cfg, { steps }, undefined, 10);
  while (!t.done()) t.trainStep();
  return t;
}

describe('Trainer', () => {
  it('lowers training and validation loss on a small synthetic text (Adagrad and Adam)', () => {
    const adam = { optim: 'adam', lr: 0.01, schedule: 'cosine', warmupSteps: 10, clipNorm: 5, initWhh: 'orthogonal' } as const;
    for (const cfg of [small(), small(adam), small({ ...adam, weightDrop: 0.2 })]) {
      const t = new Trainer(corpus, cfg, { steps: 300 }, undefined, 10);
      const before = t.validate().natsPerChar;
      while (!t.done()) t.trainStep();
      const after = t.validate().natsPerChar;
      const curve = t.history.train;
      expect(before).toBeCloseTo(Math.log(corpus.chars.length), 1);
      expect(after).toBeLessThan(before - 1);
      expect(curve.at(-1)!.loss).toBeLessThan(curve[0].loss - 0.8);
    }
  });

  it('is deterministic given the seed, and the seed matters', () => {
    const a = run(small(), 30);
    const b = run(small(), 30);
    const c = run(small({ seed: 6 }), 30);
    const d = run(small({ weightDrop: 0.2 }), 30);
    for (const name of PARAM_NAMES) expect(Array.from(b.params[name])).toEqual(Array.from(a.params[name]));
    expect(Array.from(c.params.Whh)).not.toEqual(Array.from(a.params.Whh));
    expect(Array.from(d.params.Whh)).not.toEqual(Array.from(a.params.Whh)); // weight drop is on
  });

  it('resumed from a checkpoint file, continues exactly as an uninterrupted run', () => {
    for (const cfg of [small({ optim: 'adam', lr: 0.01, schedule: 'cosine', warmupSteps: 5, dropout: 0.3, weightDrop: 0.2, ema: 0.9 }), small()]) {
      const whole = run(cfg, 40);
      // interrupted at step 17 (not a multiple of the curve interval), saved, loaded, finished
      const first = new Trainer(corpus, cfg, { steps: 40 }, undefined, 10);
      while (first.step < 17) first.trainStep();
      const path = join(dir, `ck-${cfg.optim}.npz`);
      saveCheckpoint(path, first, { data: 'synthetic', fingerprint: corpus.fingerprint, split: corpus.split, out: join(dir, 'x.npz') });
      const ck = loadCheckpoint(path);
      expect(ck.config).toEqual(cfg);
      const second = new Trainer(corpus, ck.config, ck.budget, undefined, 10, ck.state);
      expect(second.step).toBe(17);
      while (!second.done()) second.trainStep();
      for (const name of PARAM_NAMES) expect(Array.from(second.params[name])).toEqual(Array.from(whole.params[name]));
      expect(second.optimizer.state()).toEqual(whole.optimizer.state());
      expect(second.average && Array.from(second.average.Whh)).toEqual(whole.average && Array.from(whole.average.Whh));
      expect(Array.from(second.streams.h)).toEqual(Array.from(whole.streams.h));
      expect(second.history.train).toEqual(whole.history.train);
      expect(second.charsSeen).toBe(whole.charsSeen);
    }
  });

  it('with --ema, validates, samples and makes its model from the moving average of the weights', () => {
    const cfg = small({ optim: 'adam', lr: 0.02, ema: 0.8 }); // past step 35 the ramp (1 + t)/(10 + t) is above 0.8
    const t = run(cfg, 60);
    const avg = t.average!;
    // the average trails the live weights: after 60 steps they differ, and the model is the average
    expect(Array.from(avg.Whh)).not.toEqual(Array.from(t.params.Whh));
    expect(Array.from(t.model({ name: 'avg' }).params.Whh)).toEqual(Array.from(avg.Whh));
    const v = t.validate().natsPerChar;
    const live = new Trainer(corpus, makeConfig({ ...cfg, ema: 0 }), { steps: 60 }, undefined, 10, { ...t.state(), average: undefined });
    expect(Array.from(live.params.Whh)).toEqual(Array.from(t.params.Whh));
    expect(live.validate().natsPerChar).not.toBeCloseTo(v, 6);
    // one more step moves the average by (1 − d) of the way to the new weights
    const before = avg.Whh.slice();
    t.budget = { steps: 61 };
    t.trainStep();
    for (let i = 0; i < before.length; i += 17) expect(avg.Whh[i]).toBeCloseTo(0.8 * before[i] + 0.2 * t.params.Whh[i], 12);
    // a state without the average cannot continue a run that keeps one
    expect(() => new Trainer(corpus, cfg, { steps: 70 }, undefined, 10, { ...t.state(), average: undefined })).toThrow(/moving average/);
  });

  it('makes a model whose warm start state is stored in the snapshot and is reproducible', () => {
    const t = run(small(), 50);
    const model = t.model({ name: 'test' });
    expect(model.h0).not.toBeNull();
    expect(model.h0!.some((v) => v !== 0)).toBe(true);
    const path = join(dir, 'm.npz');
    saveSnapshot(path, model);
    const back = loadSnapshot(path);
    expect(Array.from(back.h0!)).toEqual(Array.from(model.h0!));
    expect(back.vocab).toBe(corpus.chars.join(''));
    expect(Array.from(t.startState())).toEqual(Array.from(model.h0!));
  });
});

describe('corpus', () => {
  it('vocabulary is the sorted distinct characters of the training range; the last 10% is validation', () => {
    const c = makeCorpus('bbaacc' + 'abcz');
    expect(c.split).toEqual({ from: 0, trainEnd: 9, to: 10 });
    expect(c.chars).toEqual(['a', 'b', 'c']);
    expect(c.valSkipped).toBe(1); // 'z' never appears in training
    expect(makeCorpus('x'.repeat(1000), { valSplit: 0.25 }).split.trainEnd).toBe(750);
  });
});
