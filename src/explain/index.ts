/**
 * Explain, from a model's weights, why one character is followed by others (Bard's /why-colon).
 * Everything is computed at run time from whichever model is loaded; nothing is hard-coded.
 *
 * API (all pure; the Explanation is a plain JSON-serialisable object, exactly what `bard why --json` prints):
 *
 *   explainPair(model, { after, next, context?, top? }) -> Explanation
 *     after    one character, e.g. ':'            next     the characters it leads to, e.g. '\n ' (or an array)
 *     context  text to analyse (after is appended when missing); default: two built-in contexts for `after`
 *              (for ':' a speaker tag "…\n\nJULIET:" and a mid-line colon), read from the warm start.
 *     Throws ExplainError (a RangeError: a usage mistake) when `after` or all of `next` is outside the vocabulary.
 *
 *   summarise(explanation, { detail? }) -> string     plain-language text, with the numbers and weights by name
 *   renderExplanationChart(explanation) -> Buffer     PNG: top units' signed contributions + the ablation curve
 *   explanationChartSvg(explanation) -> string        the same chart as SVG
 *   unescapeChars('\\n\\s') -> '\n '                   how the CLI reads --after / --next / --context
 *
 * The analysis (Explanation fields):
 *  1. behaviour: P('\n'), P(' '), P(next), top characters after each context (p_newline, p_space, p_next at top level
 *     are for the analysed context).
 *  2. attribution: with y = Why h + by, logit_diff = mean_{c∈next} y_c − mean_{c∉next} y_c
 *       = Σ_j h_j · (mean_{c∈next} Why[c][j] − mean_{c∉next} Why[c][j]) + (mean_{next} by − mean_{others} by),
 *     exactly (residual ~1e-14). contribution_j = h_j · w_j. The input-driven part of unit j is its contribution
 *     minus its mean contribution when any other character is read from the same h_prev (static_part);
 *     top_units are ranked by that input-driven part, largest first.
 *  3. top_units[i]: activation, preactivation {wxh_after, whh_hprev, bh, total} (tanh(total) = activation), the
 *     named weights copied from the model: wxh_colon = Wxh[unit][ix(':')], why_newline = Why[ix('\n')][unit],
 *     why_space = Why[ix(' ')][unit], wxh_after = Wxh[unit][ix(after)], why_next, and whh_top: the largest
 *     Whh[unit][k] · h_prev[k] terms.
 *  4. ablation: each top unit alone, the top 1/3/5/10 together, and 10 random other units (control), set to 0
 *     ("zero") or to their mean ("mean": the average hidden state while the model writes 2000 characters itself
 *     from the warm start at T = 1, seed 1; see mean_state). Only the state that makes the prediction is changed.
 *     ablation_curve: P after removing the top k units, k = 0…20.
 *  5. contrast: the two default contexts (for ':', speaker tag vs mid-line colon): per-unit activations and
 *     contributions, ranked by their share of logit('\n') − logit(' ') when both are in `next`.
 */
export { explainPair, ExplainError } from './explain.ts';
export type {
  AblationResult,
  Behaviour,
  Contrast,
  ContrastSide,
  ContrastUnit,
  CurvePoint,
  Explanation,
  PairQuery,
  UnitReport,
  WhhInput,
} from './explain.ts';
export { headline, summarise, type SummaryOptions } from './summary.ts';
export { explanationChartSvg, renderExplanationChart } from './chart.ts';
export { unescapeChars, nameChar, showChar } from './chars.ts';
export { meanHiddenState, type AblationMode } from './ablation.ts';
export { defaultContexts } from './contexts.ts';
