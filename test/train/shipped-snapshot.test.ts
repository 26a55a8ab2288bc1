import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { complete } from '../../src/rnn/generate.ts';
import { scoreSequence } from '../../src/rnn/score.ts';
import { DEFAULT_SNAPSHOT, loadSnapshot } from '../../src/snapshot/index.ts';

// The project's default model is one our trainer produced (bard train), with its warm start state.
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TINY = resolve(REPO, '../shared/data/tinyshakespeare.txt');
const model = loadSnapshot(DEFAULT_SNAPSHOT);

describe('the shipped default snapshot', () => {
  it('was trained by bard train on tinyshakespeare’s first 90%, and records how', () => {
    const text = readFileSync(TINY, 'utf8');
    expect(model.vocab).toBe([...new Set(text.slice(0, 1003854))].sort().join(''));
    expect(model.meta).toMatchObject({ trainer: 'bard train', data: 'tinyshakespeare.txt', split: { train: [0, 1003854], val: [1003854, 1115394] } });
    for (const key of ['steps', 'chars_seen', 'val_loss', 'seconds', 'chars_per_s']) expect(typeof model.meta[key]).toBe('number');
    expect(model.meta.name).toMatch(/^bard-h\d+/);
    expect(model.h0).not.toBeNull();
  });

  it('has no zero-state trap from its warm start, whatever the first prompt character', () => {
    const p = model.params;
    const losses = model.chars.map((c) => {
      const r = complete(model, { prompt: c, temp: 1, length: 120, seed: 5 });
      // judged from the healthy stored state: a trapped continuation (~14 nats/char) scores far above 4
      const { nats, count } = scoreSequence(p, model.encode(c + r.continuation).ixs, model.h0!);
      return { c, loss: nats / count };
    });
    expect(losses.filter((l) => !(l.loss < 4))).toEqual([]);
  });
});
