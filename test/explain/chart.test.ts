import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { explainPair, explanationChartSvg, renderExplanationChart } from '../../src/explain/index.ts';
import { Model } from '../../src/rnn/model.ts';
import { initParams } from '../../src/rnn/params.ts';
import { Rng } from '../../src/rnn/rng.ts';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Walks the PNG chunks, checking every CRC, and returns the header and the inflated image data. */
function readPng(png: Buffer): { width: number; height: number; colorType: number; bitDepth: number; raw: Buffer; chunks: string[] } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const chunks: string[] = [];
  const idat: Buffer[] = [];
  let ihdr: Buffer | null = null;
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    expect(png.readUInt32BE(off + 8 + len)).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
    chunks.push(type);
    if (type === 'IHDR') ihdr = data;
    if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  expect(ihdr).not.toBeNull();
  return { width: ihdr!.readUInt32BE(0), height: ihdr!.readUInt32BE(4), bitDepth: ihdr![8], colorType: ihdr![9], raw: inflateSync(Buffer.concat(idat)), chunks };
}

describe('renderExplanationChart', () => {
  // Any model will do for the picture: a small random one.
  const rng = new Rng(5);
  const chars = ['\n', ' ', ':', 'a', 'b', 'c', 'd', 'e', 'A', 'B'];
  const model = new Model(initParams(24, chars.length, () => rng.normal(), 0.5), chars);
  const e = explainPair(model, { after: ':', next: '\n ', context: 'ab cd\nAB:' });

  it('is a valid PNG: signature, chunk CRCs, IHDR first, IEND last, image data of the declared size', () => {
    const png = renderExplanationChart(e);
    const { width, height, colorType, bitDepth, raw, chunks } = readPng(png);
    expect(chunks[0]).toBe('IHDR');
    expect(chunks.at(-1)).toBe('IEND');
    expect(width).toBeGreaterThan(400);
    expect(height).toBeGreaterThan(200);
    expect(bitDepth).toBe(8);
    const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType as 0 | 2 | 4 | 6];
    expect(raw.length).toBe(height * (1 + width * channels));
  });

  it('draws one pair of bars per top unit, labelled, and both ablation curves', () => {
    const svg = explanationChartSvg(e);
    const shown = Math.min(12, e.top_units.length);
    expect(svg.match(/class="bar contribution"/g)).toHaveLength(shown);
    expect(svg.match(/class="bar input-driven"/g)).toHaveLength(shown);
    for (const u of e.top_units.slice(0, 12)) expect(svg).toContain(`>${u.unit}</text>`);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('P(newline)');
  });
});
