import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainPair, unescapeChars, type Explanation } from '../../src/explain/index.ts';
import type { Model } from '../../src/rnn/model.ts';
import { loadSnapshot } from '../../src/snapshot/index.ts';

// The CSC321 snapshot from ../shared/data, analysed through the CLI exactly as the checks call it.
const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SNAPSHOT = resolve(REPO, '../shared/data/char-rnn-snapshot.npz');
const run = promisify(execFile);

/** `npx bard …`, the way the checks call it. */
async function npxBard(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('npx', ['bard', ...args], { cwd: REPO, maxBuffer: 16 << 20 });
}
/** The same bin without npx's own start-up, for the other runs. */
async function bard(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [join(REPO, 'bin/bard.mjs'), ...args], { cwd: REPO, maxBuffer: 16 << 20 });
}
const lastJson = (stdout: string) => JSON.parse(stdout.trimEnd().split('\n').at(-1)!) as Explanation;

let snap: Model;
let colon: Explanation;
let capital: Explanation;
let text: string;
const tmp = mkdtempSync(join(tmpdir(), 'bard-why-'));
const chartPath = join(tmp, 'why.png');

beforeAll(async () => {
  snap = loadSnapshot(SNAPSHOT);
  const [a, c] = await Promise.all([
    npxBard('why-colon', '--snapshot', SNAPSHOT, '--json'),
    bard('why-colon', '--snapshot', SNAPSHOT, '--context', 'MENENIUS', '--chart', chartPath),
  ]);
  colon = lastJson(a.stdout);
  text = c.stdout;
  // The generic question, in-process (the CLI path is the same code as why-colon's).
  capital = explainPair(snap, { after: unescapeChars('\\n'), next: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' });
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('bard why-colon on the CSC321 snapshot', () => {
  it('prints the contract keys, with at least 10 top units sorted by importance', () => {
    expect(typeof colon.p_newline).toBe('number');
    expect(typeof colon.p_space).toBe('number');
    expect(colon.context.endsWith(':')).toBe(true);
    expect(colon.top_units.length).toBeGreaterThanOrEqual(10);
    for (const u of colon.top_units) {
      for (const k of ['unit', 'activation', 'contribution', 'wxh_colon', 'why_newline', 'why_space']) expect(typeof (u as unknown as Record<string, unknown>)[k]).toBe('number');
    }
    const importance = colon.top_units.map((u) => u.input_driven);
    expect(importance).toEqual([...importance].sort((a, b) => b - a));
    expect(colon.contrast.a.name).toBe('speaker tag');
    expect(colon.contrast.b.name).toBe('mid-line colon');
    expect(Math.abs(colon.attribution.residual)).toBeLessThan(1e-12);
  });

  it('reports the weights exactly as the snapshot holds them', () => {
    const { Wxh, Whh, Why, bh, H, V } = snap.params;
    const ix = (c: string) => snap.charToIx.get(c)!;
    expect(colon.indices).toMatchObject({ colon: ix(':'), newline: ix('\n'), space: ix(' ') });
    for (const u of colon.top_units) {
      expect(u.wxh_colon).toBe(Wxh[u.unit * V + ix(':')]);
      expect(u.why_newline).toBe(Why[ix('\n') * H + u.unit]);
      expect(u.why_space).toBe(Why[ix(' ') * H + u.unit]);
      expect(u.preactivation.bh).toBe(bh[u.unit]);
      for (const w of u.whh_top) expect(w.whh).toBe(Whh[u.unit * H + w.from]);
      expect(Math.tanh(u.preactivation.total)).toBe(u.activation);
    }
  });

  it('behaves as the samples do after a speaker tag: newline or space, mostly newline', () => {
    expect(colon.p_newline! + colon.p_space!).toBeGreaterThan(0.9);
    // The speaker tag leans to newline more than the mid-line colon does.
    expect(colon.contrast.a.p_newline!).toBeGreaterThan(colon.contrast.b.p_newline!);
    expect(Math.abs(colon.contrast.sum_of_unit_diffs - colon.contrast.readout_change)).toBeLessThan(1e-9);
  });

  it('ablating the top units lowers P(newline or space) after a speaker tag, and random units do not', () => {
    const base = colon.p_newline! + colon.p_space!;
    const cum = colon.ablation.filter((a) => a.kind === 'cumulative');
    expect(cum.map((a) => a.units.length).sort((a, b) => a - b)).toEqual([1, 1, 3, 3, 5, 5, 10, 10]);
    for (const a of cum.filter((a) => a.units.length === 10)) {
      expect(a.units).toEqual(colon.top_units.slice(0, 10).map((u) => u.unit));
      expect(a.p_newline! + a.p_space!).toBeLessThan(base / 2);
    }
    for (const c of colon.ablation.filter((a) => a.kind === 'control')) expect(c.p_newline! + c.p_space!).toBeGreaterThan(base - 0.05);
    expect(colon.ablation.filter((a) => a.kind === 'single')).toHaveLength(2 * colon.top_units.length);
  });

  it('prints a plain-language summary naming the weights, and writes the chart', () => {
    expect(text).toContain('Your context "MENENIUS:"');
    expect(text).toMatch(/Wxh\[\d+\]\[9\]/);
    expect(text).toMatch(/Why\[0\]\[\d+\]/);
    expect(text).toContain('Causal check');
    expect(existsSync(chartPath)).toBe(true);
    expect(readFileSync(chartPath).subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});

describe('bard why for another pair', () => {
  it("explains why '\\n' is followed by a capital letter, with the same keys and the pair's own weights", () => {
    const { Wxh, V } = snap.params;
    expect(capital.after).toBe('\n');
    expect(capital.next_dropped).toEqual(['X']); // not in this vocabulary
    expect(capital.p_next).toBeGreaterThan(0.5);
    for (const u of capital.top_units) {
      expect(u.wxh_after).toBe(Wxh[u.unit * V + snap.charToIx.get('\n')!]);
      expect(u.wxh_colon).toBe(Wxh[u.unit * V + snap.charToIx.get(':')!]);
    }
    const top10 = capital.ablation.find((a) => a.kind === 'cumulative' && a.mode === 'zero' && a.units.length === 10)!;
    expect(top10.p_next).toBeLessThan(capital.p_next);
  });

  it('rejects a character outside the vocabulary as a usage error (exit 2)', async () => {
    const err = await bard('why', '--after', '$', '--next', 'u', '--snapshot', SNAPSHOT).catch((e: { code: number; stderr: string }) => e);
    expect((err as { code: number }).code).toBe(2);
    expect((err as { stderr: string }).stderr.trim().split('\n')).toHaveLength(1);
  });
});
