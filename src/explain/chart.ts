import { escapeXml, formatTick, niceTicks, svgToPng } from '../chart/index.ts';
import { nameChar } from './chars.ts';
import type { CurvePoint, Explanation } from './explain.ts';

const W = 1000;
const HGT = 460;
const BLUE = '#1f5fa8';
const ORANGE = '#e07b1a';
const GREEN = '#2e8b57';
const GREY = '#888';

/**
 * Two panels: the top units' signed contributions to the logit difference (total, and the part the
 * 'after' input causes), and the ablation curve: P(newline) — or P(next set) — as the top k units are
 * removed, by zeroing and by mean ablation, with the random-units control.
 */
export function explanationChartSvg(e: Explanation): string {
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${HGT}" viewBox="0 0 ${W} ${HGT}" font-family="DejaVu Sans, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${HGT}" fill="white"/>`);
  const nexts = e.next.length <= 3 ? e.next.map(nameChar).join(' / ') : `one of ${e.next.length} characters`;
  out.push(text(W / 2, 24, `Why ${nameChar(e.after)} is followed by ${nexts}`, 'middle', 'font-size="17" font-weight="bold"'));
  out.push(text(W / 2, 44, `${e.model.name ?? 'model'} (H = ${e.model.H}), ${e.context_name}: …${tail(e.context)}`, 'middle', 'fill="#555"'));
  bars(out, e, { x: 20, y: 60, w: 540, h: 380 });
  curve(out, e, { x: 580, y: 60, w: 400, h: 380 });
  out.push('</svg>');
  return out.join('\n');
}

/** The chart as PNG bytes (resvg). */
export function renderExplanationChart(e: Explanation): Buffer {
  return svgToPng(explanationChartSvg(e));
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function bars(out: string[], e: Explanation, box: Box): void {
  const units = e.top_units.slice(0, 12);
  const m = { left: 56, right: 10, top: 48, bottom: 46 };
  const pw = box.w - m.left - m.right;
  const ph = box.h - m.top - m.bottom;
  const vals = units.flatMap((u) => [u.contribution, u.input_driven]);
  const ticks = niceTicks(Math.min(0, ...vals), Math.max(0, ...vals));
  const [y0, y1] = [ticks[0], ticks.at(-1)!];
  const sy = (v: number) => box.y + m.top + ph - ((v - y0) / (y1 - y0 || 1)) * ph;
  const left = box.x + m.left;
  out.push(text(box.x + box.w / 2, box.y + 14, 'Top units: share of mean logit(next) − mean logit(others)', 'middle', 'font-weight="bold"'));
  for (const t of ticks) {
    out.push(`<line x1="${left}" x2="${left + pw}" y1="${n(sy(t))}" y2="${n(sy(t))}" stroke="${t === 0 ? '#333' : '#e5e5e5'}"/>`);
    out.push(text(left - 6, sy(t) + 4, formatTick(t), 'end'));
  }
  const slot = pw / Math.max(1, units.length);
  const bw = Math.min(18, slot * 0.36);
  units.forEach((u, i) => {
    const cx = left + slot * (i + 0.5);
    out.push(bar(cx - bw - 1, bw, sy(0), sy(u.contribution), BLUE, 'contribution'));
    out.push(bar(cx + 1, bw, sy(0), sy(u.input_driven), ORANGE, 'input-driven'));
    out.push(text(cx, box.y + m.top + ph + 16, String(u.unit), 'middle'));
  });
  out.push(text(left + pw / 2, box.y + m.top + ph + 36, 'hidden unit (ranked by the part the input causes)', 'middle'));
  out.push(`<rect x="${left}" y="${box.y + m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  legend(out, left, box.y + 34, [
    [BLUE, 'contribution h_j · w_j'],
    [ORANGE, `part due to reading ${nameChar(e.after)}`],
  ]);
}

function curve(out: string[], e: Explanation, box: Box): void {
  const m = { left: 50, right: 10, top: 48, bottom: 46 };
  const pw = box.w - m.left - m.right;
  const ph = box.h - m.top - m.bottom;
  const left = box.x + m.left;
  const useNewline = e.next.includes('\n') && e.indices.newline !== null;
  const label = useNewline ? 'P(newline)' : `P(${e.next.length <= 3 ? e.next.map(nameChar).join(' or ') : 'next set'})`;
  const pick = (c: CurvePoint) => (useNewline ? c.p_newline ?? 0 : c.p_next);
  const kMax = e.ablation_curve.zero.at(-1)!.k;
  const sx = (k: number) => left + (k / (kMax || 1)) * pw;
  const sy = (p: number) => box.y + m.top + ph - p * ph;
  out.push(text(box.x + box.w / 2, box.y + 14, `Ablation: ${label} as top units are removed`, 'middle', 'font-weight="bold"'));
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${left}" x2="${left + pw}" y1="${n(sy(t))}" y2="${n(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(text(left - 6, sy(t) + 4, String(t), 'end'));
  }
  for (const k of niceTicks(0, kMax)) if (k <= kMax) out.push(text(sx(k), box.y + m.top + ph + 16, String(k), 'middle'));
  out.push(`<rect x="${left}" y="${box.y + m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(text(left + pw / 2, box.y + m.top + ph + 36, 'number of top units removed', 'middle'));
  const line = (pts: CurvePoint[], color: string, dash: string) =>
    `<polyline points="${pts.map((c) => `${n(sx(c.k))},${n(sy(pick(c)))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="2.2" ${dash}/>` +
    pts.map((c) => `<circle cx="${n(sx(c.k))}" cy="${n(sy(pick(c)))}" r="2.5" fill="${color}"/>`).join('');
  out.push(line(e.ablation_curve.zero, BLUE, ''));
  out.push(line(e.ablation_curve.mean, GREEN, 'stroke-dasharray="6 4"'));
  const entries: [string, string][] = [
    [BLUE, 'set to 0'],
    [GREEN, 'set to mean'],
  ];
  const control = e.ablation.find((r) => r.kind === 'control' && r.mode === 'zero');
  if (control && control.units.length <= kMax) {
    const p = useNewline ? control.p_newline ?? 0 : control.p_next;
    out.push(`<rect x="${n(sx(control.units.length) - 5)}" y="${n(sy(p) - 5)}" width="10" height="10" fill="none" stroke="${GREY}" stroke-width="2"/>`);
    entries.push([GREY, `${control.units.length} random units, 0`]);
  }
  legend(out, left, box.y + 34, entries);
}

/** A one-line legend: coloured swatch, label, next entry. */
function legend(out: string[], x: number, y: number, entries: [string, string][]): void {
  let at = x;
  for (const [color, label] of entries) {
    out.push(`<rect x="${n(at)}" y="${n(y - 9)}" width="14" height="10" fill="${color}"/>`);
    out.push(text(at + 19, y, label, 'start', 'font-size="11"'));
    at += 19 + label.length * 6.3 + 16;
  }
}

function bar(x: number, w: number, yZero: number, yVal: number, color: string, kind: string): string {
  const top = Math.min(yZero, yVal);
  return `<rect class="bar ${kind}" x="${n(x)}" y="${n(top)}" width="${n(w)}" height="${n(Math.max(0.5, Math.abs(yVal - yZero)))}" fill="${color}"/>`;
}

function text(x: number, y: number, s: string, anchor: 'start' | 'middle' | 'end', extra = ''): string {
  return `<text x="${n(x)}" y="${n(y)}" text-anchor="${anchor}" ${extra}>${escapeXml(s)}</text>`;
}

function tail(s: string, k = 48): string {
  return (s.length > k ? s.slice(-k) : s).replace(/\n/g, '\\n');
}

function n(v: number): string {
  return v.toFixed(1);
}
