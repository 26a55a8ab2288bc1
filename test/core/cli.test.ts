import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CSC321_SNAPSHOT, GOLDEN_JSON, readText, REPO, TRAIN_TEXT } from './reference.ts';

// These spawn the real `bard` bin (about half a second each), so they stay few and run side by side.

const BIN = resolve(REPO, 'bin/bard.mjs');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function bard(args: string[], cwd = REPO): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      done({ code, stdout, stderr });
    });
  });
}

/** The --json contract: the last stdout line is one JSON object. */
function lastJson(run: Run): Record<string, unknown> {
  const lines = run.stdout.trimEnd().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Record<string, unknown>;
}

const snap = ['--snapshot', CSC321_SNAPSHOT];

describe('bard CLI', () => {
  it('prints help from any cwd', async () => {
    const top = await bard(['--help'], tmpdir());
    expect(top.code).toBe(0);
    expect(top.stderr).toBe('');
    for (const cmd of ['complete', 'sample', 'probs', 'loss', 'Examples:']) expect(top.stdout).toContain(cmd);
  });

  it('complete --json: the contract keys, a reported random seed that repeats the run', async () => {
    const first = await bard(['complete', '--prompt', 'ROMEO:\u00e9', '--temp', '0.8', '--length', '120', '--json', ...snap]);
    expect(first.code).toBe(0);
    const a = lastJson(first);
    expect(Object.keys(a).sort()).toEqual(['continuation', 'dropped', 'prompt', 'seed', 'temp']);
    expect(a).toMatchObject({ prompt: 'ROMEO:e', temp: 0.8, dropped: [] });
    expect(a.continuation).toHaveLength(120);
    expect(Number.isInteger(a.seed)).toBe(true);
    const again = await bard(['complete', '--prompt', 'ROMEO:\u00e9', '--temp', '0.8', '--length', '120', '--json', '--seed', String(a.seed), ...snap]);
    expect(lastJson(again)).toEqual(a);
  });

  it('complete without --json prints the prompt, the continuation and the seed', async () => {
    const run = await bard(['complete', '--prompt', 'First Citizen:\n', '--temp', '0.05', '--length', '20', '--seed', '4', ...snap]);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith('First Citizen:\nThe the the the the ')).toBe(true);
    expect(run.stdout).toContain('seed 4');
  });

  it('sample, probs and loss --json keep their contracts', async () => {
    const [sample, probs, loss] = await Promise.all([
      bard(['sample', '--start', 'T', '--temp', '0.5', '--length', '50', '--seed', '9', '--json', ...snap]),
      bard(['probs', '--prompt', 'the', '--init', 'zero', '--json', ...snap]),
      bard(['loss', '--text', TRAIN_TEXT, '--from', '0', '--to', '1001', '--init', 'zero', '--json', ...snap]),
    ]);
    expect(sample.code).toBe(0);
    expect(lastJson(sample)).toMatchObject({ start: 'T', temp: 0.5, seed: 9 });
    expect(lastJson(sample).text).toHaveLength(50);

    expect(probs.code).toBe(0);
    const p = lastJson(probs) as { vocab: string; probs: number[] };
    expect(Object.keys(p).sort()).toEqual(['probs', 'vocab']);
    expect(p.vocab).toBe("\n! '&-,.;:?ACBEDGFIHKJMLONQPSRUTWVYZacbedgfihkjmlonqpsrutwvyxz");
    expect(p.probs).toHaveLength(62);
    // numpy's top-5 after "the" from h = 0 (golden file), to 1e-9.
    const golden = JSON.parse(readText(GOLDEN_JSON)) as { contexts: { text: string; top5_T1: [string, number][] }[] };
    for (const [ch, prob] of golden.contexts.find((c) => c.text === 'the')!.top5_T1) {
      expect(Math.abs(p.probs[p.vocab.indexOf(ch)] - prob)).toBeLessThan(1e-9);
    }

    expect(loss.code).toBe(0);
    const l = lastJson(loss);
    expect(Object.keys(l).sort()).toEqual(['bits_per_char', 'chars', 'nats_per_char', 'skipped']);
    expect(l).toMatchObject({ chars: 1000, skipped: 0 });
    expect(l.nats_per_char as number).toBeCloseTo(1.87520703, 7);
  });

  it('reports usage errors on one stderr line with exit code 2', async () => {
    const runs = await Promise.all([
      bard(['complete', '--prompt', 'x', '--temp', '9', ...snap]),
      bard(['complete', '--prompt', 'x', '--tmep', '1', ...snap]),
      bard(['loss', '--text', TRAIN_TEXT, '--from', '10', '--to', '5', ...snap]),
    ]);
    for (const run of runs) {
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trimEnd().split('\n'), run.stderr).toHaveLength(1);
      expect(run.stderr).toMatch(/^bard( \w+)?: error: /);
    }
    expect(runs[0].stderr).toContain('between 0.05 and 5');
    expect(runs[1].stderr).toContain("unknown option '--tmep'");
    expect(runs[2].stderr).toContain('--from 10 must be smaller than --to 5');
  });

  it('reports failures on one stderr line with exit code 1, and the stack only with --debug', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bard-cli-'));
    const notNpz = join(dir, 'broken.npz');
    writeFileSync(notNpz, 'this is not a zip');
    const [missing, debug] = await Promise.all([
      bard(['complete', '--prompt', 'x', '--snapshot', join(dir, 'nope.npz')]),
      bard(['probs', '--prompt', 'x', '--json', '--debug', '--snapshot', notNpz]),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toBe('');
    expect(missing.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/^bard complete: error: .*nope\.npz/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    expect(debug.code).toBe(1);
    expect(debug.stderr.split('\n')[0]).toMatch(/^bard probs: error: .*broken\.npz/);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });
});
