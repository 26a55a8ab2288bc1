// Issue 6, item 6: a worker started on a bad snapshot (missing, truncated, corrupt, not a zip, wrong
// shapes, NaN weights) exits non-zero with one line on stderr that names the file and the problem: no
// stack trace, nothing else. The files are built here, in a temporary directory, from a small valid model.
// (Every other malformation the loader knows is covered, without processes, in test/snapshot/.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NpyArray } from '../../src/snapshot/npy.ts';
import { writeNpz } from '../../src/snapshot/npz.ts';
import { checkpointToArrays } from '../../src/snapshot/snapshot.ts';
import { randomModel } from '../snapshot/fixtures.ts';
import { cleanPrefix, freshPrefix, REDIS_URL, spawnBard, tempDir } from './harness.ts';
import { REFERENCE_SNAPSHOT } from '../e2e/harness.ts';

const tmp = tempDir('bad-snapshot');
afterAll(() => tmp.cleanup());

const H = 8;

/** A small valid snapshot's arrays, spoiled by `edit`, written to `name`. */
function spoiled(name: string, edit: (arrays: Map<string, NpyArray>) => void): string {
  const arrays = checkpointToArrays(randomModel({ H }));
  edit(arrays);
  const path = join(tmp.dir, name);
  writeFileSync(path, writeNpz(arrays));
  return path;
}

function bytesOf(name: string): Buffer {
  return readFileSync(spoiled(name, () => {}));
}

function file(name: string, data: Uint8Array | string): string {
  const path = join(tmp.dir, name);
  writeFileSync(path, data);
  return path;
}

const CASES: { name: string; path: () => string; problem: RegExp }[] = [
  { name: 'missing', path: () => join(tmp.dir, 'nowhere.npz'), problem: /: file not found$/ },
  { name: 'not a zip', path: () => file('text.npz', 'Wxh Whh Why, honest\n'), problem: /: not a zip file/ },
  { name: 'truncated', path: () => file('cut.npz', bytesOf('whole.npz').subarray(0, 900)), problem: /truncated or corrupt/ },
  {
    name: 'corrupt bytes',
    path: () => {
      const b = bytesOf('good.npz');
      b[b.indexOf(Buffer.from('Whh.npy')) + 'Whh.npy'.length + 160] ^= 0x55;
      return file('flipped.npz', b);
    },
    problem: /'Whh\.npy' is corrupt \(CRC-32 mismatch\)/,
  },
  {
    name: 'wrong shape',
    path: () => spoiled('shape.npz', (a) => a.set('Why', { kind: 'f8', shape: [H, 6], data: new Float64Array(H * 6) })),
    problem: /: Why has shape \(8, 6\), expected \(6, 8\) = \(V, H\)$/,
  },
  {
    name: 'NaN weight',
    path: () =>
      spoiled('nan.npz', (a) => {
        (a.get('Whh')!.data as Float64Array)[3] = NaN;
      }),
    problem: /: Whh holds NaN at \[0, 3\]$/,
  },
];

describe('worker start-up on a bad snapshot', () => {
  it(`${CASES.length} bad files: exit 1, one line naming the file and the problem, no stack`, async () => {
    const env = {
      ...process.env,
      DISCORD_TOKEN: 'not-a-real-token-but-long-enough',
      DISCORD_APP_ID: '123456789012345678',
      // Unreachable on purpose: the worker must stop before it touches Redis or Discord.
      REDIS_URL: 'redis://127.0.0.1:1',
      DISCORD_API_URL: 'http://127.0.0.1:1/api',
      LOG_LEVEL: 'info',
    };
    const runs = CASES.map((c) => {
      const path = c.path();
      return { c, path, proc: spawnBard('worker', { ...env, SNAPSHOT: path }) };
    });
    const codes = await Promise.all(runs.map((r) => r.proc.exited));
    runs.forEach(({ c, path, proc }, i) => {
      const stderr = proc.err.filter((l) => l.trim() !== '');
      expect(codes[i], c.name).toBe(1);
      expect(stderr, c.name).toHaveLength(1);
      const line = stderr[0];
      expect(line.startsWith(`bard worker: ${path}: `), `${c.name}: ${line}`).toBe(true);
      expect(line, c.name).toMatch(c.problem);
      expect(line, c.name).not.toMatch(/\bat .*\.(ts|js|mjs):\d+/);
      expect(proc.out.filter((l) => l.trim() !== ''), c.name).toEqual([]);
    });
  }, 120_000);
});

describe('worker start-up with BARD_MODELS_STRICT=false', () => {
  it('a bad file among good ones: one logged line naming it, and the worker serves the others', async () => {
    const bad = file('broken.npz', 'Wxh Whh Why, honest\n');
    const prefix = freshPrefix();
    const worker = spawnBard('worker', {
      ...process.env,
      DISCORD_TOKEN: 'not-a-real-token-but-long-enough',
      DISCORD_APP_ID: '123456789012345678',
      DISCORD_API_URL: 'http://127.0.0.1:1/api',
      REDIS_URL,
      BARD_PREFIX: prefix,
      METRICS_PORT: '0',
      LOG_LEVEL: 'info',
      BARD_MODELS: `${REFERENCE_SNAPSHOT},${bad}`,
      BARD_MODELS_STRICT: 'false',
    });
    try {
      const ready = JSON.parse(await worker.waitForLine(/"worker ready"/, 60_000));
      expect(ready.models).toEqual([expect.stringMatching(/^char-rnn-snapshot@[0-9a-f]{12}$/)]);
      const skipped = worker.out.map((l) => JSON.parse(l)).filter((l) => l.msg === 'model skipped');
      expect(skipped.map((l) => l.problem)).toEqual([`${bad}: not a zip file (an .npz must start with "PK")`]);
      expect(worker.err.filter((l) => l.trim() !== '')).toEqual([]);
    } finally {
      expect(await worker.stop()).toBe(0);
      await cleanPrefix(prefix);
    }
  }, 90_000);
});
