/**
 * `npm run bench:serve`: aggregate generation speed of one worker process through its real serving path
 * (ModelServer: the model thread, the continuous-batching scheduler, the messages to and from the
 * thread), for n = 1, 8, 32 and 64 concurrent streams at H = 250.
 *
 * Each of the n clients loops: generate({ context: a short prompt, length: LENGTH }), await, again, so n
 * streams are in flight at every moment and streams join and leave the batch all the time, as jobs do.
 * serve_chars_per_s[n] is sampled characters per wall-clock second, all streams together. The lines before
 * the JSON also give the rate per CPU-second of this process (all its threads), which tells how much other
 * load on the machine took from the wall-clock figure, and the mean batch size the thread saw.
 *
 *   npm run bench:serve                      # 1 model thread (the worker's default)
 *   npm run bench:serve -- --threads 2       # SERVE_THREADS=2
 *   npm run bench:serve -- --models 2        # 2 models busy at once: the n clients alternate between them
 *   BENCH_SECONDS=8 npm run bench:serve
 *
 * The model is the CSC321 snapshot from ../shared/data when present (H = 250, 62 symbols), else random
 * weights of the same size: the arithmetic, and so the speed, does not depend on the values. With --models k,
 * models 2…k are random weights of the same size and vocabulary: each model has its own batch (streams of
 * different models never share a product), so n streams over k models run k batches of about n/k.
 * The last stdout line is the JSON.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { kernelsAvailable } from '../src/kernels/wasm.ts';
import { Model } from '../src/rnn/model.ts';
import { initParams } from '../src/rnn/params.ts';
import { Rng } from '../src/rnn/rng.ts';
import { ModelServer } from '../src/serve/model-server.ts';
import { loadSnapshot } from '../src/snapshot/index.ts';

export interface ServeRate {
  /** Sampled characters per wall-clock second, all streams together. */
  wall: number;
  /** The same per CPU-second of this process (all its threads). */
  cpu: number;
  /** Mean streams per batched step. */
  batch: number;
}

const prompts = ['ROMEO:\n', 'JULIET:\nO ', 'First Citizen:\n', 'KING HENRY:\nWhat ', 'HAMLET:\nTo be'];

/**
 * n clients, each looping generate() → await → again through a fresh ModelServer (the worker's serving
 * path), for `seconds` after a warm-up. Exported so that `npm run bench` can report the same figure.
 */
export async function measureServing(models: Model | Model[], n: number, opts: { threads?: number; length?: number; seconds?: number } = {}): Promise<ServeRate> {
  const length = opts.length ?? 1000;
  const served = (Array.isArray(models) ? models : [models]).map((model, i) => ({ name: `m${i}`, model }));
  const server = await ModelServer.start(served, { capacity: n, threads: opts.threads ?? 1 });
  let seed = 0;
  let chars = 0;
  let counting = false;
  let stop = false;
  const client = async (_: unknown, i: number) => {
    while (!stop) {
      const g = await server.generate({ model: served[i % served.length].name, context: prompts[seed % prompts.length], temp: 1, length, seed: seed++ });
      if (counting) chars += g.continuation.length;
    }
  };
  const clients = Array.from({ length: n }, client);
  await new Promise((r) => setTimeout(r, 500)); // warm-up: tier-up of the JS and WASM code in the thread
  const before = server.stats().counters;
  counting = true;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, (opts.seconds ?? 4) * 1000));
  counting = false;
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  const after = server.stats().counters;
  stop = true;
  await Promise.all(clients);
  await server.close();
  const cpu = (c.user + c.system) / 1e6;
  return { wall: chars / wall, cpu: chars / cpu, batch: (after.streamTicks - before.streamTicks) / Math.max(1, after.ticks - before.ticks) };
}

/** The CSC321 snapshot from ../shared/data when present (H = 250, 62 symbols), else random weights of that size. */
export function benchModel(): Model {
  const reference = fileURLToPath(new URL('../../shared/data/char-rnn-snapshot.npz', import.meta.url));
  if (existsSync(reference)) return loadSnapshot(reference);
  const rng = new Rng(1);
  const chars = Array.from({ length: 65 }, (_, i) => (i === 0 ? '\n' : String.fromCharCode(31 + i)));
  return new Model(initParams(250, 65, () => rng.normal(), 0.01), chars);
}

async function main(): Promise<void> {
  const { values: args } = parseArgs({
    options: {
      threads: { type: 'string', default: '1' },
      streams: { type: 'string', default: '1,8,32,64' },
      length: { type: 'string', default: '1000' },
      seconds: { type: 'string', default: process.env.BENCH_SECONDS ?? '4' },
      models: { type: 'string', default: '1' },
    },
  });
  const threads = Number(args.threads);
  const length = Number(args.length);
  if (!kernelsAvailable()) {
    console.error('bench:serve: the WASM kernels are not built: run `npm run build:kernels` (npm ci does it)');
    process.exit(1);
  }
  const model = benchModel();
  const k = Number(args.models);
  if (!Number.isInteger(k) || k < 1 || k > 8) {
    console.error(`bench:serve: --models must be a whole number from 1 to 8, got ${args.models}`);
    process.exit(2);
  }
  const rng = new Rng(2);
  const models = [model, ...Array.from({ length: k - 1 }, () => new Model(initParams(model.H, model.V, () => rng.normal(), 0.1), model.chars))];
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  const wall: Record<string, number> = {};
  const perCpu: Record<string, number> = {};
  for (const n of args.streams.split(',').map(Number)) {
    const r = await measureServing(models, n, { threads, length, seconds: Number(args.seconds) });
    console.log(
      `serve ${String(n).padStart(2)} streams (${threads} thread${threads > 1 ? 's' : ''}, ${k} model${k > 1 ? 's' : ''})  ${fmt(r.wall).padStart(9)} chars/s` +
        `   (${fmt(r.cpu)} per CPU-second, mean batch ${r.batch.toFixed(1)})`,
    );
    wall[n] = Math.round(r.wall);
    perCpu[n] = Math.round(r.cpu);
  }
  console.log(JSON.stringify({ hidden: model.H, threads, models: k, length, serve_chars_per_s: wall, serve_chars_per_cpu_s: perCpu }));
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
