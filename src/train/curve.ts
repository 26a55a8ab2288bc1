import { lineChartSvg, svgToPng } from '../chart/index.ts';
import type { History } from './trainer.ts';

/**
 * The loss-curve PNG written next to a snapshot: train and validation loss (nats/char) against characters
 * read. Validation checks during training score the start of the validation range (--val-chars); the
 * final check scores all of it, so it is drawn as its own series.
 */
export function lossCurvePng(history: History, title: string, subtitle?: string): Buffer {
  const svg = lineChartSvg({
    title,
    subtitle,
    xLabel: 'training characters read',
    yLabel: 'loss (nats/char)',
    series: [
      { name: 'train', color: '#1f77b4', points: history.train.map((p) => [p.chars, p.loss] as const) },
      // Checks during training score the start of the validation range; the final one scores all of it.
      { name: 'validation (start)', color: '#d62728', dots: true, points: history.val.filter((p) => !p.full).map((p) => [p.chars, p.loss] as const) },
      { name: 'validation (all)', color: '#2ca02c', dots: true, points: history.val.filter((p) => p.full).map((p) => [p.chars, p.loss] as const) },
    ],
  });
  return svgToPng(svg);
}

/** `snapshots/bard.npz` → `snapshots/bard.loss.png`. */
export function curvePathFor(snapshotPath: string): string {
  return snapshotPath.replace(/\.npz$/i, '') + '.loss.png';
}
