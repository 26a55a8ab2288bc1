import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PNG_SIGNATURE } from '../../src/chart/index.ts';
import { PARAM_NAMES } from '../../src/rnn/params.ts';
import { loadSnapshot } from '../../src/snapshot/index.ts';
import { syntheticText } from './helpers.ts';

// These spawn the real `bard` bin: a tiny model on a generated text, a few seconds in all.

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = join(REPO, 'bin/bard.mjs');
const dir = mkdtempSync(join(tmpdir(), 'bard-train-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const data = join(dir, 'text.txt');
writeFileSync(data, syntheticText(20000, 3));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bard ...args`; `interruptWhen(stderr)` true sends one SIGINT. */
function bard(args: string[], interruptWhen?: (stderr: string) => boolean): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (interruptWhen && !sent && interruptWhen(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const common = ['--data', data, '--hidden', '24', '--batch', '2', '--seq-length', '20', '--optim', 'adam', '--lr', '0.01', '--lr-schedule', 'cosine', '--seed', '11', '--val-every', '100', '--val-chars', '500', '--sample-every', '0', '--no-progress'];

describe('bard train', () => {
  it('trains, writes the snapshot and its loss-curve PNG, prints a summary; Ctrl-C + --resume gives the same model as one uninterrupted run', async () => {
    // long enough that the Ctrl-C sent at step 100 lands before the end, on the fastest kernels (about 0.1 ms a step)
    const steps = ['--steps', '8000'];
    const [whole, cut] = await Promise.all([
      bard(['train', ...common, ...steps, '--out', join(dir, 'whole.npz'), '--json']),
      // interrupted after its first validation line (step 100), then resumed from its checkpoint
      bard(['train', ...common, ...steps, '--out', join(dir, 'cut.npz'), '--checkpoint', join(dir, 'cut.ckpt.npz')], (e) => e.includes('step 100:')),
    ]);
    expect(whole.code, whole.stderr).toBe(0);
    const summary = JSON.parse(whole.stdout.trimEnd().split('\n').at(-1)!);
    expect(summary).toMatchObject({ steps: 8000, chars_seen: 8000 * 2 * 20, seed: 11 });
    expect(summary.val_loss).toBeLessThan(Math.log(20) - 0.5);
    expect(whole.stderr).toMatch(/done: bard-h24 .* 8,?000 steps/);
    const png = readFileSync(join(dir, 'whole.loss.png'));
    expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
    // with no --checkpoint, the checkpoint goes next to the snapshot, whatever the current directory
    expect(existsSync(join(dir, 'whole.ckpt.npz'))).toBe(true);

    expect(cut.code).toBe(130);
    expect(cut.stderr).toContain('interrupted at step');
    expect(existsSync(join(dir, 'cut.ckpt.npz'))).toBe(true);
    expect(existsSync(join(dir, 'cut.npz'))).toBe(false);
    const resumed = await bard(['train', '--resume', join(dir, 'cut.ckpt.npz'), '--no-progress']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming at step \d+/);

    const a = loadSnapshot(join(dir, 'whole.npz'));
    const b = loadSnapshot(join(dir, 'cut.npz'));
    for (const name of PARAM_NAMES) expect(Array.from(b.params[name])).toEqual(Array.from(a.params[name]));
    expect(Array.from(b.h0!)).toEqual(Array.from(a.h0!));
    expect(a.meta).toMatchObject({ name: 'bard-h24', data: 'text.txt', steps: 8000, split: { train: [0, 18000], val: [18000, 20000] } });
    expect(b.meta.val_loss).toBe(a.meta.val_loss);
  });

  it('--keep-best ships the weights of the best full validation check, with dropout, weight drop, the norm stabiliser and a moving average on', async () => {
    const args = [...common, '--val-chars', '0', '--keep-best', '--dropout', '0.2', '--weight-drop', '0.1', '--norm-stabiliser', '0.05', '--ema', '0.99', '--lr', '0.05', '--steps', '600', '--out', join(dir, 'best.npz'), '--json'];
    const r = await bard(['train', ...args]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('dropout=0.2 weight-drop=0.1 norm-stabiliser=0.05 ema=0.99');
    const checks = [...r.stderr.matchAll(/step (\d+): train [\d.]+, validation ([\d.]+)/g)].map((m) => ({ step: Number(m[1]), loss: Number(m[2]) }));
    expect(checks.map((c) => c.step)).toEqual([100, 200, 300, 400, 500, 600]);
    const summary = JSON.parse(r.stdout.trimEnd().split('\n').at(-1)!);
    const best = checks.reduce((a, b) => (b.loss < a.loss ? b : a));
    const snap = loadSnapshot(join(dir, 'best.npz'));
    expect(summary.kept_step).toBe(best.step);
    expect(snap.meta.steps).toBe(best.step);
    expect(snap.meta.val_loss as number).toBeCloseTo(best.loss, 4);
    expect(snap.meta.hyper).toMatchObject({ weightDrop: 0.1, normStabiliser: 0.05, ema: 0.99 });
    expect(summary.val_loss).toBeCloseTo(best.loss, 4);
  });

  it('--init-from fine-tunes a trained snapshot: it starts where that model ended, keeps its H and records where it came from', async () => {
    const base = join(dir, 'base.npz');
    const trained = await bard(['train', ...common, '--steps', '400', '--out', base, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const baseVal = JSON.parse(trained.stdout.trimEnd().split('\n').at(-1)!).val_loss as number;
    // No steps: the snapshot written is the starting weights themselves.
    const same = await bard(['train', ...common.filter((a, i) => a !== '--hidden' && common[i - 1] !== '--hidden'), '--init-from', base, '--steps', '0', '--out', join(dir, 'same.npz'), '--json']);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stderr).toContain('from base.npz (bard-h24)');
    const a = loadSnapshot(base);
    const b = loadSnapshot(join(dir, 'same.npz'));
    for (const n of PARAM_NAMES) expect(b.params[n]).toEqual(a.params[n]);
    expect(b.meta.init_from).toMatchObject({ file: 'base.npz', name: 'bard-h24', steps: 400, chars_seen: a.meta.chars_seen, hyper: { hidden: 24 } });
    // Its totals count the starting model's training.
    expect(b.meta).toMatchObject({ steps: 400, chars_seen: a.meta.chars_seen });
    const otherH = await bard(['train', ...common, '--hidden', '30', '--init-from', base, '--steps', '1', '--out', join(dir, 'x.npz')]);
    expect(otherH.code).toBe(2);
    expect(otherH.stderr).toContain('--init-from: base.npz has H = 24, not the --hidden 30 given');
    // A short fine-tune at a low rate, with a moving average: its first training points are those of a trained model, not of a fresh one.
    const tuned = await bard(['train', ...common, '--init-from', base, '--lr', '0.001', '--ema', '0.99', '--steps', '100', '--out', join(dir, 'tuned.npz'), '--json']);
    expect(tuned.code, tuned.stderr).toBe(0);
    const summary = JSON.parse(tuned.stdout.trimEnd().split('\n').at(-1)!);
    expect(summary.val_loss).toBeLessThan(baseVal + 0.05);
    expect(loadSnapshot(join(dir, 'tuned.npz')).meta).toMatchObject({ steps: 500, init_from: { steps: 400 }, hyper: { lr: 0.001, ema: 0.99 } });
    const fresh = JSON.parse((await bard(['train', ...common, '--steps', '100', '--out', join(dir, 'fresh.npz'), '--json'])).stdout.trimEnd().split('\n').at(-1)!);
    expect(summary.val_loss).toBeLessThan(fresh.val_loss - 0.2);
  });

  it('warns once, during the run, when the training loss climbs and stays up (a learning rate too high)', async () => {
    const [hot, fine] = await Promise.all([
      bard(['train', ...common, '--lr', '0.05', '--lr-schedule', 'constant', '--steps', '2000', '--out', join(dir, 'hot.npz')]),
      bard(['train', ...common, '--steps', '1000', '--out', join(dir, 'fine.npz')]),
    ]);
    expect(hot.code, hot.stderr).toBe(0);
    expect(hot.stderr.match(/warning: step \d+: the training loss has risen from [\d.]+ to [\d.]+ nats\/char and stays there/g)).toHaveLength(1);
    expect(hot.stderr).toContain('a lower --lr (such as');
    expect(fine.code, fine.stderr).toBe(0);
    expect(fine.stderr).not.toContain('warning');
  });

  it('rejects bad usage with one line and exit code 2', async () => {
    const [noData, badOptim, changed, keepBest, dropout, weightDrop, noStart, otherVocab, stabiliser] = await Promise.all([
      bard(['train', '--out', 'x.npz']),
      bard(['train', '--data', data, '--out', 'x.npz', '--optim', 'sgd']),
      bard(['train', '--resume', join(dir, 'nothing.ckpt.npz'), '--hidden', '50']),
      bard(['train', '--data', data, '--out', 'x.npz', '--keep-best', '--steps', '1']),
      bard(['train', '--data', data, '--out', 'x.npz', '--dropout', '1', '--steps', '1']),
      bard(['train', '--data', data, '--out', 'x.npz', '--weight-drop', '-0.1', '--steps', '1']),
      bard(['train', '--data', data, '--out', 'x.npz', '--init-from', 'missing.npz', '--steps', '1']),
      bard(['train', '--data', data, '--out', 'x.npz', '--init-from', join(REPO, 'snapshots/bard.npz'), '--hidden', '24', '--steps', '1']),
      bard(['train', '--data', data, '--out', 'x.npz', '--norm-stabiliser', 'strong', '--steps', '1']),
    ]);
    expect(stabiliser.code).toBe(2);
    expect(stabiliser.stderr).toMatch(/norm stabiliser must be a number from 0 to 1000/);
    expect(noStart.code).toBe(2);
    expect(noStart.stderr).toMatch(/--init-from: .*missing\.npz/);
    expect(otherVocab.code).toBe(2);
    expect(otherVocab.stderr).toMatch(/--init-from: bard\.npz has another vocabulary/);
    expect(keepBest.code).toBe(2);
    expect(keepBest.stderr).toContain('--val-chars 0');
    expect(dropout.code).toBe(2);
    expect(dropout.stderr).toMatch(/dropout must be a number from 0 to 0.9/);
    expect(weightDrop.code).toBe(2);
    expect(weightDrop.stderr).toMatch(/weight drop must be a number from 0 to 0.9/);
    expect(noData.code).toBe(2);
    expect(noData.stderr.trim().split('\n')).toHaveLength(1);
    expect(noData.stderr).toContain('--data');
    expect(badOptim.code).toBe(2);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toContain('--hidden');
  });
});
