import { describe, expect, it } from 'vitest';
import { explainPair, summarise } from '../../src/explain/index.ts';
import { Model } from '../../src/rnn/model.ts';
import { initParams } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';
import { trainTinyModel } from './synthetic.ts';

describe('summarise', () => {
  it('names the top units and their weights by index, and reports the ablation', () => {
    const { model } = trainTinyModel({ H: 16, iterations: 600 });
    const e = explainPair(model, { after: ':', next: '\n', context: 'ab cd.\nCAB:' });
    const s = summarise(e);
    const u = e.top_units[0];
    const colon = model.charToIx.get(':')!;
    const nl = model.charToIx.get('\n')!;
    expect(s).toContain(`Unit ${u.unit}:`);
    expect(s).toContain(`Wxh[${u.unit}][${colon}] ${u.wxh_colon!.toFixed(4)}`);
    expect(s).toContain(`Why[${nl}][${u.unit}] = ${u.why_newline!.toFixed(4)}`);
    expect(s).toContain(`bh[${u.unit}] ${u.preactivation.bh.toFixed(4)}`);
    expect(s).toContain(`P(newline) = ${e.p_newline!.toFixed(4)}`);
    expect(s).toContain('Causal check');
    expect(s).not.toContain('changes almost nothing');
  });

  it('says so when removing the units changes nothing (behaviour set by the output bias alone)', () => {
    // Tiny weights and a huge output bias for '\n': P('\n') ≈ 1 whatever the hidden units do.
    const rng = new Rng(9);
    const chars = ['\n', ' ', ':', 'a', 'b', 'c'];
    const p = initParams(12, chars.length, () => rng.normal(), 0.001);
    p.by[0] = 30;
    const e = explainPair(new Model(p, chars), { after: ':', next: '\n', context: 'ab:' });
    expect(e.p_newline!).toBeGreaterThan(0.999);
    const s = summarise(e);
    expect(s).toContain('changes almost nothing');
    expect(e.attribution.bias_term).toBeGreaterThan(e.attribution.sum_of_contributions);
  });
});
