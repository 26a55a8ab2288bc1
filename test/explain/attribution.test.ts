import { beforeAll, describe, expect, it } from 'vitest';
import { explainPair, ExplainError, unescapeChars, type Explanation } from '../../src/explain/index.ts';
import { ablatedLogits, meanHiddenState } from '../../src/explain/ablation.ts';
import { logits, prime, stepHidden } from '../../src/rnn/forward.ts';
import type { Model } from '../../src/rnn/model.ts';
import { softmax } from '../../src/rnn/softmax.ts';
import { startState } from '../../src/rnn/start.ts';
import { trainTinyModel } from './synthetic.ts';

// A tiny RNN trained here, on a made-up play where ':' ends every speaker name and is always followed
// by '\n' (and never occurs elsewhere): the analysis must find the units that carry that rule.
let model: Model;
let e: Explanation;
const context = 'ab cd.\nCAB:';

beforeAll(() => {
  ({ model } = trainTinyModel({ H: 16, iterations: 1500 }));
  e = explainPair(model, { after: ':', next: '\n', context, top: model.H });
});

describe('explainPair on a tiny RNN trained on ":" → "\\n"', () => {
  it('sees the learned behaviour after the colon', () => {
    expect(e.context).toBe(context);
    expect(e.p_newline).toBeGreaterThan(0.9);
    // Independently: prime the context from the warm start and read the distribution.
    const h = prime(model.params, model.encode(context).ixs, startState(model, 'warm'));
    const probs = softmax(logits(model.params, h));
    expect(e.p_newline).toBe(probs[model.charToIx.get('\n')!]);
  });

  it('attributes the logit difference exactly: Σ contributions + bias = mean logit(next) − mean logit(others)', () => {
    const h = prime(model.params, model.encode(context).ixs, startState(model, 'warm'));
    const y = logits(model.params, h);
    const nl = model.charToIx.get('\n')!;
    const others = [...y.keys()].filter((c) => c !== nl);
    const diff = y[nl] - others.reduce((s, c) => s + y[c], 0) / others.length;
    expect(e.top_units).toHaveLength(model.H); // every unit, so the sum is complete
    const sum = e.top_units.reduce((s, u) => s + u.contribution, 0);
    expect(Math.abs(sum + e.attribution.bias_term - diff)).toBeLessThan(1e-12);
    expect(Math.abs(e.attribution.logit_diff - diff)).toBeLessThan(1e-12);
    expect(Math.abs(e.attribution.residual)).toBeLessThan(1e-12);
    for (const u of e.top_units) {
      expect(u.contribution).toBe(u.activation * u.readout_weight);
      expect(Math.abs(u.contribution - u.static_part - u.input_driven)).toBeLessThan(1e-12);
      expect(Math.tanh(u.preactivation.total)).toBe(u.activation);
    }
  });

  it('ranks units by the part the colon itself causes, measured against every other input from the same state', () => {
    const ranks = e.top_units.map((u) => u.input_driven);
    expect(ranks).toEqual([...ranks].sort((a, b) => b - a));
    const u = e.top_units[0];
    const enc = model.encode(context).ixs;
    const hPrev = prime(model.params, enc.slice(0, -1), startState(model, 'warm'));
    const colon = model.charToIx.get(':')!;
    let mean = 0;
    const hx = new Float64Array(model.H);
    for (let x = 0; x < model.V; x++) {
      if (x === colon) continue;
      stepHidden(model.params, x, hPrev, hx);
      mean += hx[u.unit] * u.readout_weight;
    }
    mean /= model.V - 1;
    expect(Math.abs(u.static_part - mean)).toBeLessThan(1e-12);
    expect(u.input_driven).toBeGreaterThan(0);
  });

  it('finds units whose ablation drops P("\\n" | ":") substantially, unlike the units it ranks last', () => {
    const base = e.p_newline!;
    const h = prime(model.params, model.encode(context).ixs, startState(model, 'warm'));
    const nl = model.charToIx.get('\n')!;
    const meanH = meanHiddenState(model);
    for (const k of [5, 10]) {
      const top = e.ablation.filter((a) => a.kind === 'cumulative' && a.units.length === k);
      expect(top.map((a) => a.mode).sort()).toEqual(['mean', 'zero']);
      expect(top.every((a) => a.units.join() === e.top_units.slice(0, k).map((u) => u.unit).join())).toBe(true);
      // The same number of units from the bottom of the ranking, for comparison.
      const bottom = e.top_units.slice(-k).map((u) => u.unit);
      for (const a of top) {
        const pBottom = ablatedLogits(model.params, h, bottom, a.mode, meanH).probs[nl];
        expect(pBottom).toBeGreaterThan(base - 0.15);
        expect(a.p_newline!).toBeLessThan(pBottom);
        if (k === 10) expect(a.p_newline!).toBeLessThan(base / 2);
      }
      expect(Math.min(...top.map((a) => a.p_newline!))).toBeLessThan(base - 0.2);
    }
    const top10 = e.ablation.find((a) => a.kind === 'cumulative' && a.units.length === 10 && a.mode === 'zero')!;
    for (const c of e.ablation.filter((a) => a.kind === 'control')) expect(c.p_newline!).toBeGreaterThan(top10.p_newline!);
  });

  it('splits each top unit’s pre-activation into Wxh[unit][":"], Whh·h_prev and bh, with the weights as stored', () => {
    const { Wxh, Whh, Why, bh, H, V } = model.params;
    const colon = model.charToIx.get(':')!;
    const nl = model.charToIx.get('\n')!;
    const sp = model.charToIx.get(' ')!;
    for (const u of e.top_units) {
      expect(u.wxh_colon).toBe(Wxh[u.unit * V + colon]);
      expect(u.preactivation.wxh_after).toBe(Wxh[u.unit * V + colon]);
      expect(u.preactivation.bh).toBe(bh[u.unit]);
      expect(u.why_newline).toBe(Why[nl * H + u.unit]);
      expect(u.why_space).toBe(Why[sp * H + u.unit]);
      for (const w of u.whh_top) expect(w.whh).toBe(Whh[u.unit * H + w.from]);
      const mags = u.whh_top.map((w) => Math.abs(w.product));
      expect(mags).toEqual([...mags].sort((a, b) => b - a));
    }
  });

  it('the ablation curve starts at the intact model and the explanation survives JSON', () => {
    expect(e.ablation_curve.zero[0].p_newline).toBe(e.p_newline);
    expect(e.ablation_curve.mean[0].k).toBe(0);
    expect(JSON.parse(JSON.stringify(e))).toEqual(e);
  });
});

describe('explainPair questions', () => {
  it('appends the "after" character to a context that does not end with it', () => {
    const r = explainPair(model, { after: ':', next: '\n', context: 'ab cd.\nCAB' });
    expect(r.context).toBe('ab cd.\nCAB:');
    expect(r.p_newline).toBe(e.p_newline);
  });

  it('leaves out next characters the vocabulary lacks, and refuses impossible questions', () => {
    const r = explainPair(model, { after: ':', next: '\nZ' });
    expect(r.next).toEqual(['\n']);
    expect(r.next_dropped).toEqual(['Z']);
    expect(() => explainPair(model, { after: 'Z', next: '\n' })).toThrow(ExplainError);
    expect(() => explainPair(model, { after: ':', next: 'Z' })).toThrow(/vocabulary/);
    expect(() => explainPair(model, { after: ':', next: model.chars.join('') })).toThrow(ExplainError);
  });

  it('reads escapes in character lists', () => {
    expect(unescapeChars('\\n\\s')).toBe('\n ');
    expect(unescapeChars('a\\tb\\\\c\\x41\\u0042\\u{43}')).toBe('a\tb\\cABC');
    expect(unescapeChars('ABC')).toBe('ABC');
  });
});
