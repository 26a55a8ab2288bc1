import { nameChar, showChar } from './chars.ts';
import type { AblationResult, Explanation, UnitReport } from './explain.ts';

/** Below this change of P(next set), an ablation is reported as changing nothing. */
export const NEGLIGIBLE = 0.01;
/** …and of the logit difference (in nats). */
export const NEGLIGIBLE_LOGIT = 0.5;

export interface SummaryOptions {
  /** How many top units to describe weight by weight (the others are listed). Default 5. */
  detail?: number;
}

/**
 * The explanation in plain words, with the numbers and the weights by name and index
 * (rounded here; --json and the Explanation object carry the exact stored values).
 */
export function summarise(e: Explanation, opts: SummaryOptions = {}): string {
  const detail = Math.max(0, Math.min(opts.detail ?? 5, e.top_units.length));
  const after = nameChar(e.after);
  const nextName = nextSetName(e.next);
  const a = e.attribution;
  const lines: string[] = [];

  lines.push(`Why ${after} is followed by ${nextName} — ${modelName(e)}, read from the warm start.`);
  lines.push('');
  for (const b of e.behaviour) {
    lines.push(`${capitalise(b.name)} "${tail(b.context)}": ${probsLine(e, b.p_newline, b.p_space, b.p_next, b.top_chars)}.`);
  }
  if (e.next_dropped.length > 0) lines.push(`(Not in the vocabulary, left out: ${e.next_dropped.map(nameChar).join(', ')}.)`);

  lines.push('');
  lines.push(
    `${where(e, 'In')}, the mean logit of ${nextName} is ${f(a.logit_diff, 2)} above that of the other characters. ` +
      `This splits exactly over the ${e.model.H} hidden units (h_j times the readout weight, summing to ${f(a.sum_of_contributions, 2)}) plus the output bias (${f(a.bias_term, 2)}). ` +
      `Reading ${after} rather than another character adds ${f(a.input_driven_total, 2)}; the other ${f(a.static_total, 2)} is there whatever the last input.`,
  );

  lines.push('');
  lines.push(`The units that carry it, ranked by how much ${after} itself raises their contribution:`);
  e.top_units.slice(0, detail).forEach((u) => lines.push(unitLine(e, u)));
  const rest = e.top_units.slice(detail);
  if (rest.length > 0) lines.push(`Next: ${rest.map((u) => `unit ${u.unit} (${sign(u.input_driven, 2)})`).join(', ')}.`);

  lines.push('');
  lines.push(...ablationLines(e));

  lines.push('');
  lines.push(contrastLine(e));
  return lines.join('\n');
}

function unitLine(e: Explanation, u: UnitReport): string {
  const ai = e.indices.after;
  const pre = u.preactivation;
  const outs = u.why_next
    .slice(0, 3)
    .map((w) => `${nameChar(w.char)} through Why[${w.index}][${u.unit}] = ${f(w.value, 4)}`)
    .join(', ');
  const more = u.why_next.length > 3 ? ` and ${u.why_next.length - 3} more` : '';
  const w = u.whh_top[0];
  const rec = w ? `; its largest recurrent input is Whh[${u.unit}][${w.from}] = ${f(w.whh, 4)} times h_prev[${w.from}] = ${f(w.h_prev, 3)}` : '';
  return (
    `${u.rank}. Unit ${u.unit}: h = ${f(u.activation, 3)}, contributes ${sign(u.contribution, 2)} (${sign(u.input_driven, 2)} due to ${nameChar(e.after)}, ${sign(u.static_part, 2)} static). ` +
    `Pre-activation ${f(pre.total, 3)} = Wxh[${u.unit}][${ai}] ${f(pre.wxh_after, 4)} (input ${nameChar(e.after)}) + Whh·h_prev ${f(pre.whh_hprev, 4)} + bh[${u.unit}] ${f(pre.bh, 4)}${rec}. ` +
    `It feeds ${outs}${more}.`
  );
}

function ablationLines(e: Explanation): string[] {
  const base = e.ablation_curve.zero[0];
  const out: string[] = [];
  const cum = (mode: 'zero' | 'mean') => e.ablation.filter((r) => r.kind === 'cumulative' && r.mode === mode);
  const series = (rs: AblationResult[]) => rs.map((r) => `${r.units.length}: ${p(r.p_next)}`).join(', ');
  const zero = cum('zero');
  const mean = cum('mean');
  out.push(
    `Causal check ${where(e, 'in')} (P(${nextName(e.next)}) = ${p(base.p_next)} intact). ` +
      `Top units set to 0 → ${series(zero)}; set to their mean activation (over ${e.mean_state.length} characters the model writes itself) → ${series(mean)}.`,
  );
  const nl = e.indices.newline;
  if (nl !== null && e.next.includes('\n') && e.next.length > 1 && base.p_newline !== null) {
    const last = zero[zero.length - 1];
    if (last?.p_newline !== null && last) out.push(`P(newline) alone: ${p(base.p_newline)} → ${p(last.p_newline)} with the top ${last.units.length} at 0.`);
  }
  const controls = e.ablation.filter((r) => r.kind === 'control');
  if (controls.length > 0) {
    out.push(`Control: ${controls[0].units.length} random other units → ${controls.map((r) => `${p(r.p_next)} (${r.mode})`).join(', ')}.`);
  }
  const lastZero = zero[zero.length - 1];
  if (lastZero) {
    out.push(`The logit difference goes ${f(e.attribution.logit_diff, 2)} → ${f(lastZero.logit_diff, 2)} with the top ${lastZero.units.length} at 0.`);
  }
  const all = [...zero, ...mean];
  const biggest = all.reduce((m, r) => Math.max(m, Math.abs(r.p_next - base.p_next)), 0);
  const biggestLogit = all.reduce((m, r) => Math.max(m, Math.abs(r.logit_diff - e.attribution.logit_diff)), 0);
  if (biggest < NEGLIGIBLE && biggestLogit < NEGLIGIBLE_LOGIT) {
    out.push(
      `Ablating these units changes almost nothing (P moves by less than ${NEGLIGIBLE}, the logit difference by less than ${NEGLIGIBLE_LOGIT}): ` +
        `they are not what causes the behaviour here; it is spread over many units or comes from the context and the output bias.`,
    );
  } else if (biggest < NEGLIGIBLE) {
    out.push(`P hardly moves because it is saturated, but the logit difference does: these units carry part of the margin, and the rest is enough.`);
  } else {
    const singles = e.ablation.filter((r) => r.kind === 'single' && r.mode === 'zero');
    const worst = singles.reduce<AblationResult | null>((m, r) => (m === null || r.logit_diff < m.logit_diff ? r : m), null);
    if (worst) {
      const pDrop = Math.max(...singles.map((r) => base.p_next - r.p_next));
      const alone = pDrop < NEGLIGIBLE ? 'no single unit decides it: the units back each other up' : 'a single unit already changes the prediction';
      out.push(
        `One at a time, unit ${worst.units[0]} matters most (logit difference → ${f(worst.logit_diff, 2)}, P → ${p(worst.p_next)}); ${alone}.`,
      );
    }
  }
  return out;
}

function contrastLine(e: Explanation): string {
  const c = e.contrast;
  const byNs = c.ranked_by === 'newline_vs_space';
  const what = byNs ? 'logit(newline) − logit(space)' : `the logit difference for ${nextName(e.next)}`;
  const va = byNs ? c.a.newline_minus_space! : c.a.logit_diff;
  const vb = byNs ? c.b.newline_minus_space! : c.b.logit_diff;
  const units = c.top_units.slice(0, 3).map((u) => {
    const d = byNs ? u.newline_vs_space_diff! : u.contribution_diff;
    return `unit ${u.unit} (h ${f(u.activation_a, 2)} vs ${f(u.activation_b, 2)}, ${sign(d, 2)})`;
  });
  return (
    `Contrast, ${c.a.name} vs ${c.b.name}: ${what} is ${f(va, 2)} vs ${f(vb, 2)} ` +
    `(P(newline) ${p(c.a.p_newline)} vs ${p(c.b.p_newline)}, P(space) ${p(c.a.p_space)} vs ${p(c.b.p_space)}). ` +
    `The units that make most of the ${f(c.readout_change, 2)} difference: ${units.join(', ')}.`
  );
}

function modelName(e: Explanation): string {
  return `${e.model.name ?? 'this model'} (H = ${e.model.H}, ${e.model.V} characters)`;
}

function probsLine(e: Explanation, pn: number | null, ps: number | null, pNext: number, top: { char: string; p: number }[]): string {
  const parts: string[] = [];
  const nlsp = e.after === ':' || e.next.every((c) => c === '\n' || c === ' ');
  if (nlsp) {
    if (pn !== null) parts.push(`P(newline) = ${p(pn)}`);
    if (ps !== null) parts.push(`P(space) = ${p(ps)}`);
    const others = 1 - (pn ?? 0) - (ps ?? 0);
    parts.push(`anything else ${p(Math.max(0, others))}`);
    return parts.join(', ');
  }
  parts.push(`P(${nextName(e.next)}) = ${p(pNext)}`);
  parts.push(`likeliest ${top.slice(0, 3).map((t) => `${nameChar(t.char)} ${p(t.p)}`).join(', ')}`);
  return parts.join('; ');
}

/** "in your context" or "in the speaker tag context". */
function where(e: Explanation, prep: string): string {
  return e.context_name === 'your context' ? `${prep} your context` : `${prep} the ${e.context_name} context`;
}

function capitalise(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

function nextSetName(next: readonly string[]): string {
  if (next.length === 1) return `a ${nameChar(next[0])}`.replace("a '", "'");
  if (next.length === 2) return `a ${nameChar(next[0])} or a ${nameChar(next[1])}`.replace(/a '/g, "'");
  return nextName(next);
}

function nextName(next: readonly string[]): string {
  if (next.length <= 3) return next.map(nameChar).join(' or ');
  return `one of the ${next.length} characters ${next.slice(0, 5).map(showChar).join('')}…`;
}

/** The end of a context, as people would quote it. */
function tail(text: string, n = 40): string {
  const t = text.length > n ? '…' + text.slice(-n) : text;
  return t.replace(/\n/g, '\\n');
}

function f(x: number, d: number): string {
  return x.toFixed(d);
}

function sign(x: number, d: number): string {
  return (x >= 0 ? '+' : '') + x.toFixed(d);
}

/** A probability: 4 decimals, or scientific when tiny. */
function p(x: number | null): string {
  if (x === null) return 'n/a';
  return x !== 0 && x < 1e-4 ? x.toExponential(1) : x.toFixed(4);
}

/** A unit "carries the margin" alone from this share of it; three units "concentrate" it from CONCENTRATED. */
export const ONE_UNIT = 0.4;
export const CONCENTRATED = 0.5;

/**
 * The answer in three lines a person reads in five seconds: the probability, how concentrated the cause
 * is (shares of the margin the 'after' input adds, over the units ranked by it), and the ablation in one
 * sentence. summarise() gives the detail.
 */
export function headline(e: Explanation): [string, string, string] {
  const after = nameChar(e.after);
  const what = nextName(e.next);
  const probability = `Probability: P(${what}) after "${tail(e.context, 24)}" is ${p(e.p_next)}.`;

  const total = e.attribution.input_driven_total;
  const units = e.top_units;
  const share = (k: number) => units.slice(0, k).reduce((s, u) => s + u.input_driven, 0) / total;
  const margin = `the ${f(total, 1)}-nat margin that ${after} adds`;
  let cause: string;
  if (!(total > 0) || units.length === 0) cause = `Cause: reading ${after} does not raise the margin here; it comes from the context and the output bias.`;
  else if (share(1) >= ONE_UNIT) cause = `Cause: one unit, ${units[0].unit}, carries ${pct(share(1))} of ${margin}.`;
  else if (units.length >= 3 && share(3) >= CONCENTRATED) {
    cause = `Cause: concentrated: three units, ${units[0].unit}, ${units[1].unit} and ${units[2].unit}, carry ${pct(share(3))} of ${margin}.`;
  } else {
    const k = Math.min(10, units.length);
    cause = `Cause: spread: the top ${k} units carry ${pct(share(k))} of ${margin}.`;
  }

  const base = e.ablation_curve.zero[0]?.p_next ?? e.p_next;
  const zero = e.ablation.filter((r) => r.kind === 'cumulative' && r.mode === 'zero');
  const control = e.ablation.find((r) => r.kind === 'control' && r.mode === 'zero');
  const random = control ? `; ${control.units.length} random other units leave it at ${p(control.p_next)}` : '';
  const halved = zero.find((r) => r.p_next < base / 2);
  const last = zero[zero.length - 1];
  let check: string;
  if (halved) check = `Check: zeroing the top ${plural(halved.units.length, 'unit')} drops it from ${p(base)} to ${p(halved.p_next)}${random}.`;
  else if (last) check = `Check: even zeroing the top ${plural(last.units.length, 'unit')} only moves it from ${p(base)} to ${p(last.p_next)}${random}: the rest of the network carries it.`;
  else check = 'Check: no ablation was run.';
  return [probability, cause, check];
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

function plural(n: number, one: string): string {
  return n === 1 ? `${one}` : `${n} ${one}s`;
}
