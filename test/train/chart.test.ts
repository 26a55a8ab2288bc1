import { describe, expect, it } from 'vitest';
import { lineChartSvg, niceTicks, PNG_SIGNATURE, svgToPng } from '../../src/chart/index.ts';
import { lossCurvePng } from '../../src/train/curve.ts';

function pngSize(png: Buffer): { width: number; height: number } {
  // IHDR is the first chunk: 8-byte signature, 4-byte length, 'IHDR', then width and height (big-endian)
  expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('charts', () => {
  it('the loss curve is a valid PNG with the chart’s size, not a blank image', () => {
    const history = {
      train: Array.from({ length: 40 }, (_, i) => ({ step: i * 10, chars: i * 1000, loss: 4 - Math.log1p(i) / 2 })),
      val: [5, 20, 39].map((i) => ({ step: i * 10, chars: i * 1000, loss: 4.1 - Math.log1p(i) / 2 })),
    };
    const png = lossCurvePng(history, 'test run');
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    expect(pngSize(png)).toEqual({ width: 800, height: 480 });
    expect(png.subarray(-8, -4).toString('ascii')).toBe('IEND');
    const blank = svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="800" height="480"></svg>');
    expect(png.length).toBeGreaterThan(blank.length * 3);
  });

  it('svgToPng can scale to a width', () => {
    const svg = lineChartSvg({ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', color: '#000', points: [[0, 1], [1, 2]] }] });
    expect(pngSize(svgToPng(svg, { width: 400 }))).toEqual({ width: 400, height: 240 });
  });

  it('nice ticks cover the range in 1-2-5 steps', () => {
    expect(niceTicks(1.37, 4.2)).toEqual([1, 2, 3, 4, 5]);
    expect(niceTicks(0, 1_000_000, 4)).toEqual([0, 500000, 1000000]);
  });
});
