import { logits, prime, stepHidden } from '../rnn/forward.ts';
import type { Model } from '../rnn/model.ts';
import { softmax } from '../rnn/softmax.ts';
import { startState } from '../rnn/start.ts';
import { ablatedLogits, MEAN_SAMPLE_LENGTH, MEAN_SAMPLE_SEED, meanHiddenState, randomUnits, type AblationMode, type MeanStateSource } from './ablation.ts';
import { defaultContexts, withAfter } from './contexts.ts';
import { contributions, makeReadout, readoutFromLogits, type Readout } from './readout.ts';

/** A question that cannot be asked of this model (character not in its vocabulary, …): a usage error. */
export class ExplainError extends RangeError {}

export interface PairQuery {
  /** The character whose successor we explain, e.g. ':'. */
  after: string;
  /** The characters it is usually followed by, e.g. '\n ' (characters outside the vocabulary are dropped and reported). */
  next: string | readonly string[];
  /** Context to analyse instead of the default one; the 'after' character is appended when it does not end with it. */
  context?: string;
  /** How many units to report in detail (at least 10, or H when the model is smaller). */
  top?: number;
}

export interface CharProb {
  char: string;
  p: number;
}

export interface Behaviour {
  name: string;
  /** The context as the model read it (normalised), ending with the 'after' character. */
  context: string;
  dropped: string[];
  p_newline: number | null;
  p_space: number | null;
  /** P(next set) = Σ_{c∈next} p_c, and the rest 1 − p_next. */
  p_next: number;
  p_rest: number;
  /** The five likeliest next characters. */
  top_chars: CharProb[];
}

export interface WhhInput {
  /** Whh[unit][from] · h_prev[from] is one term of the recurrent input to the unit. */
  from: number;
  whh: number;
  h_prev: number;
  product: number;
}

export interface UnitReport {
  unit: number;
  /** Position in the ranking, 1 = most important. */
  rank: number;
  /** h_unit after reading the 'after' character in the analysed context. */
  activation: number;
  /** h_unit · readout_weight: this unit's additive share of the logit difference. */
  contribution: number;
  /** The part of the contribution that the 'after' input itself causes: contribution − static_part. */
  input_driven: number;
  /** Mean contribution of the unit over every other input character from the same h_prev. */
  static_part: number;
  /** mean_{c∈next} Why[c][unit] − mean_{c∉next} Why[c][unit]. */
  readout_weight: number;
  /** Wxh[unit][index of ':'], Why[index of '\n'][unit], Why[index of ' '][unit], exactly as stored (null when the character is not in the vocabulary). */
  wxh_colon: number | null;
  why_newline: number | null;
  why_space: number | null;
  /** Wxh[unit][index of 'after'] and Why[index of c][unit] for each next character c. */
  wxh_after: number;
  why_next: { char: string; index: number; value: number }[];
  /** Pre-activation split: wxh_after + whh_hprev + bh = total, and activation = tanh(total). */
  preactivation: { wxh_after: number; whh_hprev: number; bh: number; total: number };
  /** The largest recurrent inputs, by |Whh[unit][from] · h_prev[from]|. */
  whh_top: WhhInput[];
}

export interface AblationResult {
  units: number[];
  mode: AblationMode;
  /** 'single': one top unit alone; 'cumulative': the top k; 'control': as many random other units as the largest cumulative group. */
  kind: 'single' | 'cumulative' | 'control';
  p_newline: number | null;
  p_space: number | null;
  p_next: number;
  logit_diff: number;
}

export interface CurvePoint {
  /** Number of top units removed (0 = intact model). */
  k: number;
  p_newline: number | null;
  p_space: number | null;
  p_next: number;
}

export interface ContrastSide {
  name: string;
  context: string;
  p_newline: number | null;
  p_space: number | null;
  p_next: number;
  logit_diff: number;
  newline_minus_space: number | null;
}

export interface ContrastUnit {
  unit: number;
  activation_a: number;
  activation_b: number;
  activation_diff: number;
  /** Contributions to the main logit difference (next versus the rest). */
  contribution_a: number;
  contribution_b: number;
  contribution_diff: number;
  /** Contributions to logit('\n') − logit(' ') (null when either is not in the vocabulary). */
  newline_vs_space_a: number | null;
  newline_vs_space_b: number | null;
  newline_vs_space_diff: number | null;
}

export interface Contrast {
  a: ContrastSide;
  b: ContrastSide;
  /** Which readout ranks the units: logit('\n') − logit(' ') when both are in the next set, else the main logit difference. */
  ranked_by: 'newline_vs_space' | 'logit_diff';
  /** Change a − b of the ranking readout, and the sum of the per-unit differences (equal up to rounding). */
  readout_change: number;
  sum_of_unit_diffs: number;
  top_units: ContrastUnit[];
}

export interface Explanation {
  kind: 'bard.explanation';
  version: 1;
  model: { name: string | null; H: number; V: number };
  after: string;
  next: string[];
  /** Requested next characters that are not in the vocabulary. */
  next_dropped: string[];
  indices: { after: number; colon: number | null; newline: number | null; space: number | null; next: number[] };
  start: 'warm';
  /** The analysed context as read (ends with 'after'), and its name ('your context' when given). */
  context: string;
  context_name: string;
  p_newline: number | null;
  p_space: number | null;
  p_next: number;
  p_rest: number;
  /** Behaviour in the analysed context first, then in the default contexts. */
  behaviour: Behaviour[];
  attribution: {
    readout: string;
    /** mean_{c∈next} y_c − mean_{c∉next} y_c, from the logits. */
    logit_diff: number;
    bias_term: number;
    sum_of_contributions: number;
    /** (Σ contributions + bias_term) − logit_diff; ~1e-15. */
    residual: number;
    /** Σ_j input_driven_j: how much the 'after' input raises the logit difference over the average other input. */
    input_driven_total: number;
    /** Σ_j static_part_j + bias_term: the mean logit difference over the other inputs. */
    static_total: number;
    other_inputs: number;
  };
  /** Sorted by importance: input_driven, largest first. */
  top_units: UnitReport[];
  /** The largest total contributions (the static view), for comparison. */
  top_by_contribution: { unit: number; activation: number; contribution: number; input_driven: number }[];
  ablation: AblationResult[];
  ablation_curve: { zero: CurvePoint[]; mean: CurvePoint[] };
  mean_state: MeanStateSource;
  contrast: Contrast;
}

const CUMULATIVE = [1, 3, 5, 10];
const CURVE_MAX = 20;

interface ContextState {
  name: string;
  context: string;
  dropped: string[];
  hPrev: Float64Array;
  h: Float64Array;
  y: Float64Array;
  probs: Float64Array;
}

/** Explains why `after` is followed by a character of `next`, from the model's weights. See index.ts. */
export function explainPair(model: Model, q: PairQuery): Explanation {
  const p = model.params;
  const { H, V, Wxh, Whh, Why, bh } = p;
  const ix = (c: string) => model.charToIx.get(c);

  if ([...q.after].length !== 1) throw new ExplainError(`--after must be a single character, got ${JSON.stringify(q.after)}`);
  const afterIx = ix(q.after);
  if (afterIx === undefined) throw new ExplainError(`${JSON.stringify(q.after)} is not in the model's vocabulary`);
  const wanted = [...new Set(typeof q.next === 'string' ? [...q.next] : q.next)];
  const next = wanted.filter((c) => ix(c) !== undefined);
  const nextDropped = wanted.filter((c) => ix(c) === undefined);
  if (next.length === 0) throw new ExplainError(`none of the next characters ${JSON.stringify(wanted.join(''))} is in the model's vocabulary`);
  if (next.length === V) throw new ExplainError('the next characters cover the whole vocabulary: there is nothing to compare them with');
  const plus = next.map((c) => ix(c)!);
  const plusSet = new Set(plus);
  const minus = [...Array(V).keys()].filter((c) => !plusSet.has(c));
  const colonIx = ix(':') ?? null;
  const nlIx = ix('\n') ?? null;
  const spIx = ix(' ') ?? null;

  // 1. Behaviour: each context is read from the warm start; h_prev is the state just before 'after'.
  const h0 = startState(model, 'warm');
  const readContext = (name: string, raw: string): ContextState => {
    const enc = model.encode(raw);
    const ixs = enc.ixs.slice();
    let text = enc.text;
    if (ixs[ixs.length - 1] !== afterIx) {
      ixs.push(afterIx);
      text += q.after;
    }
    const hPrev = prime(p, ixs.slice(0, -1), h0);
    const h = stepHidden(p, afterIx, hPrev, new Float64Array(H));
    const y = logits(p, h);
    return { name, context: text, dropped: enc.dropped, hPrev, h, y, probs: softmax(y) };
  };
  const defaults = defaultContexts(q.after).map((c) => readContext(c.name, c.text));
  const main = q.context !== undefined ? readContext('your context', withAfter(q.context, q.after)) : defaults[0];
  const pOf = (probs: Float64Array, c: number | null) => (c === null ? null : probs[c]);
  const pNext = (probs: Float64Array) => plus.reduce((s, c) => s + probs[c], 0);
  const behaviour = (s: ContextState): Behaviour => ({
    name: s.name,
    context: s.context,
    dropped: s.dropped,
    p_newline: pOf(s.probs, nlIx),
    p_space: pOf(s.probs, spIx),
    p_next: pNext(s.probs),
    p_rest: 1 - pNext(s.probs),
    top_chars: [...s.probs.keys()].sort((a, b) => s.probs[b] - s.probs[a]).slice(0, 5).map((c) => ({ char: model.chars[c], p: s.probs[c] })),
  });

  // 2. Attribution: contribution_j = h_j · w_j, Σ_j contribution_j + bias = logit difference.
  const r = makeReadout(p, plus, minus);
  const contrib = contributions(main.h, r);
  const logitDiff = readoutFromLogits(main.y, r);
  const sumContrib = contrib.reduce((s, v) => s + v, 0);
  // The part the 'after' input causes: compare with every other input character read from the same h_prev.
  const staticPart = new Float64Array(H);
  const others = minusOne(V, afterIx);
  const hx = new Float64Array(H);
  for (const x of others) {
    stepHidden(p, x, main.hPrev, hx);
    for (let j = 0; j < H; j++) staticPart[j] += hx[j] * r.w[j];
  }
  for (let j = 0; j < H; j++) staticPart[j] /= others.length;
  const inputDriven = contrib.map((c, j) => c - staticPart[j]);
  const order = [...Array(H).keys()].sort((a, b) => inputDriven[b] - inputDriven[a] || a - b);
  const nTop = Math.min(H, Math.max(10, q.top ?? 10));

  // 3. Where each top unit's activation comes from.
  const unitReport = (j: number, rank: number): UnitReport => {
    let whhHprev = 0;
    const terms: WhhInput[] = [];
    for (let k = 0; k < H; k++) {
      const product = Whh[j * H + k] * main.hPrev[k];
      whhHprev += product;
      terms.push({ from: k, whh: Whh[j * H + k], h_prev: main.hPrev[k], product });
    }
    terms.sort((a, b) => Math.abs(b.product) - Math.abs(a.product));
    return {
      unit: j,
      rank,
      activation: main.h[j],
      contribution: contrib[j],
      input_driven: inputDriven[j],
      static_part: staticPart[j],
      readout_weight: r.w[j],
      wxh_colon: colonIx === null ? null : Wxh[j * V + colonIx],
      why_newline: nlIx === null ? null : Why[nlIx * H + j],
      why_space: spIx === null ? null : Why[spIx * H + j],
      wxh_after: Wxh[j * V + afterIx],
      why_next: plus.map((c) => ({ char: model.chars[c], index: c, value: Why[c * H + j] })),
      // Summed in stepHidden's order, so tanh(total) is the activation exactly.
      preactivation: { wxh_after: Wxh[j * V + afterIx], whh_hprev: whhHprev, bh: bh[j], total: Wxh[j * V + afterIx] + whhHprev + bh[j] },
      whh_top: terms.slice(0, 5),
    };
  };
  const topUnits = order.slice(0, nTop).map((j, i) => unitReport(j, i + 1));

  // 4. Causal check: replace units in the predicting state by 0 or by their mean.
  const meanH = meanHiddenState(model, MEAN_SAMPLE_LENGTH, MEAN_SAMPLE_SEED);
  const ablate = (units: number[], mode: AblationMode, kind: AblationResult['kind']): AblationResult => {
    const { y, probs: pr } = ablatedLogits(p, main.h, units, mode, meanH);
    return { units, mode, kind, p_newline: pOf(pr, nlIx), p_space: pOf(pr, spIx), p_next: pNext(pr), logit_diff: readoutFromLogits(y, r) };
  };
  const ablation: AblationResult[] = [];
  const modes: AblationMode[] = ['zero', 'mean'];
  for (const mode of modes) {
    for (const j of order.slice(0, nTop)) ablation.push(ablate([j], mode, 'single'));
    for (const k of CUMULATIVE.filter((k) => k <= H)) ablation.push(ablate(order.slice(0, k), mode, 'cumulative'));
    const biggest = Math.min(H, CUMULATIVE[CUMULATIVE.length - 1]);
    if (H > biggest) ablation.push(ablate(randomUnits(H, biggest, order.slice(0, biggest)), mode, 'control'));
  }
  const curve = (mode: AblationMode): CurvePoint[] =>
    [...Array(Math.min(H, CURVE_MAX) + 1).keys()].map((k) => {
      const pr = ablatedLogits(p, main.h, order.slice(0, k), mode, meanH).probs;
      return { k, p_newline: pOf(pr, nlIx), p_space: pOf(pr, spIx), p_next: pNext(pr) };
    });

  // 5. Contrast between the two default contexts (for ':', a speaker tag and a mid-line colon).
  const contrast = contrastOf(model, defaults[0], defaults[1], r, nlIx, spIx, plusSet);

  return {
    kind: 'bard.explanation',
    version: 1,
    model: { name: typeof model.meta.name === 'string' ? model.meta.name : null, H, V },
    after: q.after,
    next,
    next_dropped: nextDropped,
    indices: { after: afterIx, colon: colonIx, newline: nlIx, space: spIx, next: plus },
    start: 'warm',
    context: main.context,
    context_name: main.name,
    p_newline: pOf(main.probs, nlIx),
    p_space: pOf(main.probs, spIx),
    p_next: pNext(main.probs),
    p_rest: 1 - pNext(main.probs),
    behaviour: [main, ...defaults.filter((d) => d !== main)].map(behaviour),
    attribution: {
      readout: `mean logit of ${JSON.stringify(next.join(''))} − mean logit of the other ${minus.length} characters`,
      logit_diff: logitDiff,
      bias_term: r.bias,
      sum_of_contributions: sumContrib,
      residual: sumContrib + r.bias - logitDiff,
      input_driven_total: inputDriven.reduce((s, v) => s + v, 0),
      static_total: staticPart.reduce((s, v) => s + v, 0) + r.bias,
      other_inputs: others.length,
    },
    top_units: topUnits,
    top_by_contribution: [...Array(H).keys()]
      .sort((a, b) => contrib[b] - contrib[a] || a - b)
      .slice(0, nTop)
      .map((j) => ({ unit: j, activation: main.h[j], contribution: contrib[j], input_driven: inputDriven[j] })),
    ablation,
    ablation_curve: { zero: curve('zero'), mean: curve('mean') },
    mean_state: { source: 'self-generated sample from the warm start', length: MEAN_SAMPLE_LENGTH, seed: MEAN_SAMPLE_SEED, temp: 1 },
    contrast,
  };
}

function contrastOf(model: Model, a: ContextState, b: ContextState, r: Readout, nlIx: number | null, spIx: number | null, plusSet: Set<number>): Contrast {
  const p = model.params;
  const ns = nlIx !== null && spIx !== null ? makeReadout(p, [nlIx], [spIx]) : null;
  const byNs = ns !== null && plusSet.has(nlIx!) && plusSet.has(spIx!);
  const side = (s: ContextState): ContrastSide => ({
    name: s.name,
    context: s.context,
    p_newline: nlIx === null ? null : s.probs[nlIx],
    p_space: spIx === null ? null : s.probs[spIx],
    p_next: [...plusSet].reduce((acc, c) => acc + s.probs[c], 0),
    logit_diff: readoutFromLogits(s.y, r),
    newline_minus_space: ns ? readoutFromLogits(s.y, ns) : null,
  });
  const ca = contributions(a.h, r);
  const cb = contributions(b.h, r);
  const na = ns ? contributions(a.h, ns) : null;
  const nb = ns ? contributions(b.h, ns) : null;
  const rank = byNs ? na!.map((v, j) => v - nb![j]) : ca.map((v, j) => v - cb[j]);
  const units = [...Array(p.H).keys()].sort((x, y) => Math.abs(rank[y]) - Math.abs(rank[x]) || x - y).slice(0, Math.min(p.H, 10));
  const sa = side(a);
  const sb = side(b);
  return {
    a: sa,
    b: sb,
    ranked_by: byNs ? 'newline_vs_space' : 'logit_diff',
    readout_change: byNs ? sa.newline_minus_space! - sb.newline_minus_space! : sa.logit_diff - sb.logit_diff,
    sum_of_unit_diffs: rank.reduce((s, v) => s + v, 0),
    top_units: units.map((j) => ({
      unit: j,
      activation_a: a.h[j],
      activation_b: b.h[j],
      activation_diff: a.h[j] - b.h[j],
      contribution_a: ca[j],
      contribution_b: cb[j],
      contribution_diff: ca[j] - cb[j],
      newline_vs_space_a: na ? na[j] : null,
      newline_vs_space_b: nb ? nb[j] : null,
      newline_vs_space_diff: na && nb ? na[j] - nb[j] : null,
    })),
  };
}

function minusOne(V: number, skip: number): number[] {
  return [...Array(V).keys()].filter((c) => c !== skip);
}
