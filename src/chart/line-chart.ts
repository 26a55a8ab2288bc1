import { escapeXml, formatTick, niceTicks } from './svg.ts';

export interface Series {
  name: string;
  points: ReadonlyArray<readonly [number, number]>;
  color: string;
  /** Draw a dot on each point (for sparse series such as validation checks). */
  dots?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  width?: number;
  height?: number;
  /** Extra lines under the title (e.g. the final figures). */
  subtitle?: string;
  /** Optional fixed y range; by default the data's range, padded. */
  yRange?: [number, number];
}

/** A line chart as an SVG document: axes with nice ticks, one polyline per series, a legend. */
export function lineChartSvg(opts: LineChartOptions): string {
  const W = opts.width ?? 800;
  const Hh = opts.height ?? 480;
  const m = { left: 70, right: 20, top: opts.subtitle ? 62 : 44, bottom: 56 };
  const pw = W - m.left - m.right;
  const ph = Hh - m.top - m.bottom;
  const pts = opts.series.flatMap((s) => s.points).filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  const xTicks = niceTicks(xs.length ? Math.min(...xs, 0) : 0, xs.length ? Math.max(...xs) : 1);
  const yTicks = opts.yRange ? niceTicks(...opts.yRange) : niceTicks(ys.length ? Math.min(...ys) : 0, ys.length ? Math.max(...ys) : 1);
  const [x0, x1] = [xTicks[0], xTicks.at(-1)!];
  const [y0, y1] = [yTicks[0], yTicks.at(-1)!];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const sy = (y: number) => m.top + ph - ((y - y0) / (y1 - y0 || 1)) * ph;
  const f = (v: number) => v.toFixed(1);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${Hh}" viewBox="0 0 ${W} ${Hh}" font-family="DejaVu Sans, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${Hh}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="24" text-anchor="middle" font-size="16" font-weight="bold">${escapeXml(opts.title)}</text>`);
  if (opts.subtitle) out.push(`<text x="${W / 2}" y="44" text-anchor="middle" fill="#555">${escapeXml(opts.subtitle)}</text>`);
  for (const t of yTicks) {
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${f(sy(t))}" y2="${f(sy(t))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${m.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${formatTick(t)}</text>`);
  }
  for (const t of xTicks) {
    out.push(`<line x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${m.top}" y2="${m.top + ph}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${f(sx(t))}" y="${m.top + ph + 18}" text-anchor="middle">${formatTick(t)}</text>`);
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#333"/>`);
  out.push(`<text x="${m.left + pw / 2}" y="${Hh - 14}" text-anchor="middle">${escapeXml(opts.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${escapeXml(opts.yLabel)}</text>`);

  opts.series.filter((s) => s.points.length > 0).forEach((s, i) => {
    const good = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y));
    if (good.length > 1) {
      const d = good.map(([x, y]) => `${f(sx(x))},${f(sy(y))}`).join(' ');
      out.push(`<polyline points="${d}" fill="none" stroke="${s.color}" stroke-width="1.8" stroke-linejoin="round"/>`);
    }
    if (s.dots || good.length === 1) for (const [x, y] of good) out.push(`<circle cx="${f(sx(x))}" cy="${f(sy(y))}" r="3" fill="${s.color}"/>`);
    const ly = m.top + 16 + i * 18;
    out.push(`<line x1="${m.left + pw - 170}" x2="${m.left + pw - 146}" y1="${ly - 4}" y2="${ly - 4}" stroke="${s.color}" stroke-width="3"/>`);
    out.push(`<text x="${m.left + pw - 140}" y="${ly}">${escapeXml(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
