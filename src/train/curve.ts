import { lineChartSvg, svgToPng } from '../chart/index.ts';
import type { History } from './trainer.ts';

/** The loss-curve PNG written next to a snapshot: train and validation loss (nats/char) against characters read. */
export function lossCurvePng(history: History, title: string, subtitle?: string): Buffer {
  const svg = lineChartSvg({
    title,
    subtitle,
    xLabel: 'training characters read',
    yLabel: 'loss (nats/char)',
    series: [
      { name: 'train', color: '#1f77b4', points: history.train.map((p) => [p.chars, p.loss] as const) },
      { name: 'validation', color: '#d62728', dots: true, points: history.val.map((p) => [p.chars, p.loss] as const) },
    ],
  });
  return svgToPng(svg);
}

/** `snapshots/bard.npz` → `snapshots/bard.loss.png`. */
export function curvePathFor(snapshotPath: string): string {
  return snapshotPath.replace(/\.npz$/i, '') + '.loss.png';
}
