import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import cliProgress from 'cli-progress';
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Model } from '../rnn/model.ts';
import { loadSnapshot, saveSnapshot } from '../snapshot/index.ts';
import { loadCheckpoint, saveCheckpoint, type CheckpointInfo } from '../train/checkpoint.ts';
import { ConfigError, checkBudget, makeConfig, type Budget, type TrainConfig } from '../train/config.ts';
import { curvePathFor, lossCurvePng } from '../train/curve.ts';
import { DataError, makeCorpus, type Corpus } from '../train/data.ts';
import { chooseEngine, ENGINE_NAMES, type EngineName } from '../train/engines.ts';
import { DivergenceWatch } from '../train/divergence.ts';
import { Trainer } from '../train/trainer.ts';
import { UsageError } from './errors.ts';
import { printJson } from './io.ts';
import { SEED_MAX, parseWhole } from './options.ts';

interface TrainOpts {
  data?: string;
  out?: string;
  name?: string;
  hidden?: number;
  seqLength?: number;
  batch?: number;
  lr?: number;
  optim?: TrainConfig['optim'];
  beta1?: number;
  beta2?: number;
  weightDecay?: number;
  lrSchedule?: TrainConfig['schedule'];
  warmup?: number;
  minLrRatio?: number;
  clip?: number;
  clipNorm?: number;
  dropout?: number;
  weightDrop?: number;
  normStabiliser?: number;
  ema?: number;
  initWhh?: TrainConfig['initWhh'];
  whhGain?: number;
  initScale?: number;
  seed?: number;
  steps?: number;
  minutes?: number;
  epochs?: number;
  from?: number;
  to?: number;
  valSplit: number;
  valEvery: number;
  valChars: number;
  keepBest?: boolean;
  sampleEvery?: number;
  sampleLength: number;
  checkpoint?: string;
  checkpointMinutes: number;
  resume?: string | boolean;
  initFrom?: string;
  engine: EngineName;
  threads: '1' | '2';
  progress: boolean;
  json?: boolean;
}

const num = (what: string, min: number, max: number) => (raw: string) => {
  const x = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(x) || x < min || x > max) throw new InvalidArgumentError(`${what} must be a number from ${min} to ${max}, got ${raw}.`);
  return x;
};
const whole = (what: string, min: number, max: number) => (raw: string) => parseWhole(raw, min, max, what);

/** Hyper-parameter flags: a resumed run takes them from its checkpoint, so giving one with --resume is an error. */
const HYPER_FLAGS = ['hidden', 'seqLength', 'batch', 'lr', 'optim', 'beta1', 'beta2', 'weightDecay', 'lrSchedule', 'warmup', 'minLrRatio', 'clip', 'clipNorm', 'dropout', 'weightDrop', 'normStabiliser', 'ema', 'initWhh', 'whhGain', 'initScale', 'seed', 'from', 'to', 'valSplit', 'initFrom'] as const;

export function register(program: Command): void {
  program
    .command('train')
    .description(
      'train a char-RNN on a text file (min-char-rnn defaults: H 100, seq 25, lr 0.1, Adagrad, clip 5); the last 10% of the text is held out for validation',
    )
    .option('--data <file>', 'training text (UTF-8)')
    .option('--out <path>', 'snapshot to write, e.g. snapshots/NAME.npz (its loss curve goes next to it as NAME.loss.png)')
    .option('--name <name>', 'model name stored in the snapshot (default: bard-h<hidden>)')
    .addOption(new Option('--hidden <H>', 'hidden size (default 100)').argParser(whole('the hidden size', 1, 4096)))
    .addOption(new Option('--seq-length <T>', 'characters per truncated-BPTT window (default 25)').argParser(whole('the sequence length', 1, 10000)))
    .addOption(new Option('--batch <B>', 'independent streams read in parallel, spread over the text (default 1)').argParser(whole('the batch', 1, 4096)))
    .addOption(new Option('--optim <kind>', "optimiser: adagrad (min-char-rnn), adam or adamw (Adam with bias correction; adamw adds decoupled weight decay)").choices(['adagrad', 'adam', 'adamw']))
    .addOption(new Option('--lr <rate>', 'learning rate (default 0.1 for adagrad, 0.002 for adam/adamw)').argParser(num('the learning rate', 1e-9, 10)))
    .addOption(new Option('--beta1 <b>', "Adam's β1 (default 0.9)").argParser(num('beta1', 0, 0.999999)))
    .addOption(new Option('--beta2 <b>', "Adam's β2 (default 0.999)").argParser(num('beta2', 0, 0.999999)))
    .addOption(new Option('--weight-decay <wd>', 'decoupled weight decay on the weight matrices (default 0.01 for adamw, else 0)').argParser(num('the weight decay', 0, 1)))
    .addOption(new Option('--lr-schedule <kind>', 'constant, or cosine / linear decay to lr × min-lr-ratio over the budget (default constant)').choices(['constant', 'cosine', 'linear']))
    .addOption(new Option('--warmup <steps>', 'linear learning-rate warm-up steps (default 0)').argParser(whole('the warm-up', 0, 1e9)))
    .addOption(new Option('--min-lr-ratio <r>', 'where the decay ends, as a fraction of lr (default 0.1)').argParser(num('the min-lr ratio', 0, 1)))
    .addOption(new Option('--clip <c>', 'clip every gradient element to [-c, c], 0 = off (default 5)').argParser(num('the clip', 0, 1e6)))
    .addOption(new Option('--clip-norm <n>', 'scale the gradients down when their global L2 norm exceeds n, 0 = off (default 0)').argParser(num('the clip norm', 0, 1e6)))
    .addOption(new Option('--dropout <p>', 'dropout probability on the hidden state as the output layer reads it (training only; the recurrence is kept whole), 0 = off (default 0)').argParser(num('the dropout', 0, 0.9)))
    .addOption(new Option('--weight-drop <p>', 'weight drop on the recurrence: each step drops every Whh entry with probability p, one mask for the whole batch (training only), 0 = off (default 0)').argParser(num('the weight drop', 0, 0.9)))
    .addOption(new Option('--norm-stabiliser <beta>', "the norm stabiliser (Krueger & Memisevic): a training loss term beta × Σ (‖h_t‖ − ‖h_t−1‖)² that keeps the state's size steady from step to step, 0 = off (default 0)").argParser(num('the norm stabiliser', 0, 1000)))
    .addOption(new Option('--ema <decay>', 'keep a moving average of the weights with this decay per step (e.g. 0.999); validation, samples and the snapshot use it, 0 = off (default 0)').argParser(num('the ema decay', 0, 0.999999)))
    .addOption(new Option('--init-whh <kind>', 'Whh initialisation (default small-random)').choices(['small-random', 'orthogonal', 'identity-scaled']))
    .addOption(new Option('--whh-gain <g>', 'gain of the orthogonal Whh / diagonal of the identity-scaled one (default 1)').argParser(num('the Whh gain', 0, 10)))
    .addOption(new Option('--init-scale <s>', 'std of the random initial weights (default 0.01)').argParser(num('the init scale', 0, 10)))
    .addOption(new Option('--seed <N>', `random seed, 0 to ${SEED_MAX}; the same seed and options give the same weights (default: random, printed)`).argParser(whole('the seed', 0, SEED_MAX)))
    .addOption(new Option('--steps <N>', 'stop after N optimisation steps').argParser(whole('the steps', 0, 1e12)))
    .addOption(new Option('--minutes <M>', 'stop after M minutes of wall time (with --steps, whichever comes first)').argParser(num('the minutes', 1e-6, 1e7)))
    .addOption(new Option('--epochs <E>', 'stop after E passes over the training text (the default budget is 1 epoch)').argParser(num('the epochs', 1e-6, 1e6)))
    .addOption(new Option('--from <I>', 'use the text from character I (default 0)').argParser(whole('--from', 0, Number.MAX_SAFE_INTEGER)))
    .addOption(new Option('--to <J>', 'use the text up to character J, exclusive (default: the end)').argParser(whole('--to', 1, Number.MAX_SAFE_INTEGER)))
    .addOption(new Option('--val-split <f>', 'fraction at the end of the used text held out for validation').argParser(num('the validation split', 0, 0.99)).default(0.1))
    .addOption(new Option('--val-every <steps>', 'validation loss every N steps, 0 = only at the end').argParser(whole('--val-every', 0, 1e12)).default(500))
    .addOption(new Option('--val-chars <N>', 'characters of the validation range scored during training, 0 = all (the final check always scores all)').argParser(whole('--val-chars', 0, 1e12)).default(20000))
    .option('--keep-best', 'the snapshot holds the weights with the best full validation loss seen (needs --val-chars 0), not the last ones')
    .addOption(new Option('--sample-every <steps>', 'print a short sample every N steps, 0 = never (default: with validation)').argParser(whole('--sample-every', 0, 1e12)))
    .addOption(new Option('--sample-length <N>', 'length of those samples').argParser(whole('--sample-length', 1, 10000)).default(160))
    .option('--checkpoint <path>', 'checkpoint file (default: next to the snapshot, <out name>.ckpt.npz)')
    .addOption(new Option('--checkpoint-minutes <M>', 'write a checkpoint every M minutes (also on Ctrl-C and at the end)').argParser(num('the checkpoint interval', 0.01, 1e6)).default(5))
    .option('--init-from <snapshot>', 'start from the weights of a trained snapshot instead of random ones (a fine-tune): it needs the same vocabulary, and its hidden size is kept (a different --hidden is refused)')
    .option('--resume [checkpoint]', 'continue a run from its checkpoint (optimizer state, step, streams, curves); budget and reporting flags may change, hyper-parameters may not')
    .addOption(new Option('--threads <n>', 'threads for the kernels: 2 splits the streams over both cores (needs --batch ≥ 2)').choices(['1', '2']).default('1'))
    .addOption(new Option('--engine <name>', 'training arithmetic: auto (float32 kernels when built: native, else WASM), reference (float64 JS), kernel').choices(ENGINE_NAMES).default('auto'))
    .option('--no-progress', 'no progress bar (log lines only)')
    .option('--json', 'print the final summary as one JSON object on the last stdout line')
    .action(async (opts: TrainOpts, cmd: Command) => {
      await runTrain(opts, cmd);
    });
}

async function runTrain(opts: TrainOpts, cmd: Command): Promise<void> {
  const explicit = (key: string) => cmd.getOptionValueSource(key) === 'cli';
  let cfg: TrainConfig;
  let budget: Budget;
  let trainer: Trainer;
  let corpus: Corpus;
  let out: string;
  let dataPath: string;
  let checkpointPath: string;
  let resumedFrom: number | null = null;
  let initFrom: CheckpointInfo['initFrom'];

  if (opts.resume) {
    checkpointPath = resolve(typeof opts.resume === 'string' ? opts.resume : opts.checkpoint ?? defaultCheckpoint(requireOpt(opts.out, '--out or a checkpoint path')));
    const given = HYPER_FLAGS.filter((k) => explicit(k));
    if (given.length) throw new UsageError(`--resume continues a run with its own hyper-parameters; drop ${given.map(flagName).join(', ')}`);
    if (!existsSync(checkpointPath)) throw new UsageError(`no checkpoint to resume at ${checkpointPath}`);
    const ck = loadCheckpoint(checkpointPath);
    cfg = ck.config;
    dataPath = resolve(opts.data ?? ck.info.dataPath ?? '');
    if (!opts.data && !ck.info.dataPath) throw new UsageError('give --data: the checkpoint does not record its text file');
    corpus = makeCorpusOrUsage(readText(dataPath), ck.info.split);
    if (corpus.fingerprint !== ck.info.fingerprint || corpus.chars.join('') !== ck.chars.join('')) {
      throw new UsageError(`${basename(dataPath)} is not the text this checkpoint was trained on`);
    }
    out = resolve(opts.out ?? ck.info.out);
    initFrom = ck.info.initFrom;
    budget = explicit('steps') || explicit('minutes') || explicit('epochs') ? makeBudget(opts, corpus, cfg) : ck.budget;
    trainer = new Trainer(corpus, cfg, budget, await chooseEngine(opts.engine, opts.threads === '2' ? 2 : 1), 50, ck.state);
    resumedFrom = trainer.step;
  } else {
    dataPath = resolve(requireOpt(opts.data, '--data FILE'));
    out = resolve(requireOpt(opts.out, '--out PATH'));
    corpus = makeCorpusOrUsage(readText(dataPath), { from: opts.from, to: opts.to, valSplit: opts.valSplit });
    const start = opts.initFrom === undefined ? undefined : startingWeights(opts.initFrom, corpus, opts.hidden);
    try {
      cfg = makeConfig({
        hidden: start?.params.H ?? opts.hidden, seqLength: opts.seqLength, batch: opts.batch, optim: opts.optim, lr: opts.lr,
        beta1: opts.beta1, beta2: opts.beta2, weightDecay: opts.weightDecay, schedule: opts.lrSchedule,
        warmupSteps: opts.warmup, minLrRatio: opts.minLrRatio, clip: opts.clip, clipNorm: opts.clipNorm,
        dropout: opts.dropout, weightDrop: opts.weightDrop, normStabiliser: opts.normStabiliser, ema: opts.ema, initWhh: opts.initWhh, whhGain: opts.whhGain, initScale: opts.initScale,
        seed: opts.seed ?? Math.floor(Math.random() * 2 ** 31),
      });
    } catch (e) {
      if (e instanceof ConfigError) throw new UsageError(e.message);
      throw e;
    }
    budget = makeBudget(opts, corpus, cfg);
    checkpointPath = resolve(opts.checkpoint ?? defaultCheckpoint(out));
    trainer = new Trainer(corpus, cfg, budget, await chooseEngine(opts.engine, opts.threads === '2' ? 2 : 1));
    if (start) {
      trainer.startFrom(start.params);
      const had = (k: string) => (typeof start.meta[k] === 'number' ? (start.meta[k] as number) : 0);
      initFrom = {
        file: basename(opts.initFrom!),
        name: start.meta.name ?? basename(opts.initFrom!),
        steps: had('steps'),
        chars_seen: had('chars_seen'),
        seconds: had('seconds'),
        ...(start.meta.hyper ? { hyper: start.meta.hyper } : {}),
      };
    }
  }
  if (!out.toLowerCase().endsWith('.npz')) throw new UsageError(`--out must name an .npz file, got ${out}`);
  const name = opts.name ?? `bard-h${cfg.hidden}`;
  const info: CheckpointInfo = { data: basename(dataPath), dataPath, fingerprint: corpus.fingerprint, split: corpus.split, out, ...(initFrom ? { initFrom } : {}) };
  const curvePath = curvePathFor(out);
  const valEvery = opts.valEvery;
  if (opts.keepBest && (opts.valChars !== 0 || valEvery === 0)) throw new UsageError('--keep-best compares full validation checks: give --val-chars 0 and --val-every N');
  const sampleEvery = opts.sampleEvery ?? valEvery;

  /**
   * What a snapshot of the current weights records about the run (val: their full validation check). A fine-tune's
   * steps, characters and seconds are the totals, its starting model's own training included (init_from has that part).
   */
  const snapshotMeta = (val: { natsPerChar: number; chars: number }) => {
    const steps = trainer.step + (initFrom?.steps ?? 0);
    const chars = trainer.charsSeen + (initFrom?.chars_seen ?? 0);
    const seconds = trainer.seconds + (initFrom?.seconds ?? 0);
    return {
      name,
      trainer: 'bard train',
      data: info.data,
      split: { train: [corpus.split.from, corpus.split.trainEnd], val: [corpus.split.trainEnd, corpus.split.to] },
      hyper: { ...cfg },
      ...(initFrom ? { init_from: initFrom } : {}),
      engine: trainer.engine.name,
      steps,
      chars_seen: chars,
      epochs: chars / corpus.train.length,
      train_loss: trainer.history.train.at(-1)?.loss ?? NaN,
      val_loss: val.natsPerChar,
      val_chars: val.chars,
      seconds: Math.round(seconds),
      chars_per_s: Math.round(chars / seconds),
      created: new Date().toISOString(),
    };
  };

  const log = new RunLog(opts.progress);
  log.line(
    `${resumedFrom !== null ? `resuming at step ${resumedFrom}` : 'training'} ${name}: H=${cfg.hidden} V=${corpus.chars.length} batch=${cfg.batch} seq=${cfg.seqLength} ` +
      `${cfg.optim} lr=${cfg.lr} ${cfg.schedule}${cfg.warmupSteps ? ` warmup=${cfg.warmupSteps}` : ''} clip=${cfg.clip} clip-norm=${cfg.clipNorm}${cfg.dropout ? ` dropout=${cfg.dropout}` : ''}${cfg.weightDrop ? ` weight-drop=${cfg.weightDrop}` : ''}${cfg.normStabiliser ? ` norm-stabiliser=${cfg.normStabiliser}` : ''}${cfg.ema ? ` ema=${cfg.ema}` : ''} ${initFrom ? `from ${initFrom.file} (${initFrom.name})` : `init-whh=${cfg.initWhh}`} seed=${cfg.seed} engine=${trainer.engine.name}; ` +
      `train ${corpus.split.from}..${corpus.split.trainEnd}, validation ${corpus.split.trainEnd}..${corpus.split.to}; budget ${describeBudget(budget)}`,
  );

  // Ctrl-C: finish the current step, write a checkpoint, exit. A second Ctrl-C exits at once.
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
  };
  process.on('SIGINT', onSigint);

  const writeCheckpoint = () => {
    saveCheckpoint(checkpointPath, trainer, info);
    writeFileSync(curvePath, lossCurvePng(trainer.history, `${name} (checkpoint, step ${trainer.step})`));
  };

  const sessionStart = performance.now();
  const baseSeconds = trainer.seconds;
  const sessionChars0 = trainer.charsSeen;
  let lastCheckpoint = performance.now();
  let lastVal = NaN;
  // --keep-best: the file at `out` holds the best full check so far (on resume, the best on the curve).
  let best = { step: -1, loss: Infinity };
  if (opts.keepBest) for (const p of trainer.history.val) if (p.full && p.loss < best.loss) best = { step: p.step, loss: p.loss };
  let lastYield = performance.now();
  const divergence = new DivergenceWatch();
  let curveSeen = 0;
  log.start(trainer);
  try {
    while (!trainer.done() && !stop) {
      const s = trainer.trainStep();
      trainer.seconds = baseSeconds + (performance.now() - sessionStart) / 1000;
      if (valEvery > 0 && s.step % valEvery === 0) {
        const v = trainer.validate(opts.valChars, false);
        lastVal = v.natsPerChar;
        log.line(`step ${s.step}: train ${s.smoothLoss.toFixed(4)}, validation ${lastVal.toFixed(4)} nats/char (lr ${s.lr.toPrecision(3)})`);
        if (opts.keepBest && lastVal < best.loss) {
          saveSnapshot(out, trainer.model(snapshotMeta(v)));
          best = { step: s.step, loss: lastVal };
          log.line(`step ${s.step}: best validation so far, weights written to ${out}`);
        }
      }
      if (sampleEvery > 0 && s.step % sampleEvery === 0) log.line(`---- sample at step ${s.step}:\n${trainer.sample(opts.sampleLength)}\n----`);
      // A new curve point comes every 50 steps: read the ones not seen yet, in place.
      for (const curve = trainer.history.train; curveSeen < curve.length; curveSeen++) {
        const warning = divergence.see(curve[curveSeen].step, curve[curveSeen].loss, s.lr);
        if (warning) log.line(warning);
      }
      const cps = (trainer.charsSeen - sessionChars0) / ((performance.now() - sessionStart) / 1000);
      log.update(trainer, cps, s.smoothLoss, lastVal);
      if ((performance.now() - lastCheckpoint) / 60000 >= opts.checkpointMinutes) {
        writeCheckpoint();
        lastCheckpoint = performance.now();
      }
      // Let the event loop run (for Ctrl-C and the progress bar's timer) a few times a second.
      if (performance.now() - lastYield > 100) {
        await new Promise((r) => setImmediate(r));
        lastYield = performance.now();
      }
    }
  } finally {
    log.stop();
    process.off('SIGINT', onSigint);
  }

  trainer.flushCurve();
  if (stop) {
    writeCheckpoint();
    log.line(`interrupted at step ${trainer.step}: checkpoint written to ${checkpointPath}; continue with: bard train --resume ${checkpointPath}`);
    process.exitCode = 130;
    return;
  }

  // The end: full validation from the warm start state, the snapshot, its curve, a last checkpoint.
  const last = trainer.validate(0);
  // (a check at this very step already wrote these weights: writing them again records the final figures)
  const keptBest = Boolean(opts.keepBest) && best.step !== trainer.step && best.loss < last.natsPerChar && existsSync(out);
  const val = keptBest ? { natsPerChar: best.loss, chars: last.chars } : last;
  const seconds = trainer.seconds;
  const trainLoss = trainer.history.train.at(-1)?.loss ?? NaN;
  if (keptBest) log.line(`the last weights score ${last.natsPerChar.toFixed(4)}: ${out} keeps step ${best.step}'s (${best.loss.toFixed(4)})`);
  else saveSnapshot(out, trainer.model(snapshotMeta(last)));
  const charsPerS = Math.round(trainer.charsSeen / seconds);
  writeFileSync(curvePath, lossCurvePng(trainer.history, `${name}: loss per character`, `validation ${val.natsPerChar.toFixed(4)} nats/char after ${trainer.step} steps, ${formatChars(trainer.charsSeen)} chars, ${formatDuration(seconds)}`));
  saveCheckpoint(checkpointPath, trainer, info);
  const summary = {
    out, curve: curvePath, checkpoint: checkpointPath, name, steps: trainer.step, chars_seen: trainer.charsSeen,
    train_loss: round(trainLoss), val_loss: round(val.natsPerChar), val_chars: val.chars, ...(opts.keepBest ? { kept_step: keptBest ? best.step : trainer.step } : {}), seconds: Math.round(seconds),
    chars_per_s: charsPerS, seed: cfg.seed,
  };
  const line = `done: ${name} → ${out} | ${trainer.step} steps, ${trainer.charsSeen.toLocaleString('en')} chars in ${formatDuration(seconds)} (${charsPerS.toLocaleString('en')} chars/s) | train ${trainLoss.toFixed(4)}, validation ${val.natsPerChar.toFixed(4)} nats/char over ${val.chars.toLocaleString('en')} chars | seed ${cfg.seed}`;
  if (opts.json) {
    process.stderr.write(line + '\n');
    printJson(summary);
  } else {
    process.stdout.write(line + '\n');
  }
}

/**
 * Progress display: on a terminal a cli-progress bar (chars/s, loss, ETA) with log lines above it;
 * otherwise (a log file, nohup) or with --no-progress, a plain status line every 30 s.
 */
class RunLog {
  private multi: cliProgress.MultiBar | null = null;
  private bar: cliProgress.SingleBar | null = null;
  private lastPlain = 0;
  private readonly tty: boolean;

  /** showBar false (--no-progress): log lines only, on a terminal too. */
  constructor(private readonly showBar: boolean) {
    this.tty = Boolean(process.stderr.isTTY);
  }

  start(trainer: Trainer): void {
    this.lastPlain = performance.now();
    if (!this.showBar || !this.tty) return;
    this.multi = new cliProgress.MultiBar(
      {
        stream: process.stderr,
        format: '{bar} {percentage}% | step {step} | {cps} chars/s | loss {loss} | val {val} | ETA {eta_formatted}',
        hideCursor: true,
        etaBuffer: 200,
        barsize: 24,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar = this.multi.create(1000, Math.round(trainer.progress() * 1000), { step: trainer.step, cps: '-', loss: trainer.smoothLoss.toFixed(3), val: '-' });
  }

  update(trainer: Trainer, cps: number, loss: number, val: number): void {
    const fields = {
      step: trainer.step,
      cps: Math.round(cps).toLocaleString('en'),
      loss: loss.toFixed(3),
      val: Number.isFinite(val) ? val.toFixed(3) : '-',
    };
    if (this.bar) {
      this.bar.update(Math.round(trainer.progress() * 1000), fields);
    } else if (performance.now() - this.lastPlain >= 30_000) {
      this.lastPlain = performance.now();
      const p = trainer.progress();
      const eta = p > 0 ? (trainer.seconds * (1 - p)) / p : NaN;
      process.stderr.write(`${(p * 100).toFixed(1)}% | step ${fields.step} | ${fields.cps} chars/s | loss ${fields.loss} | val ${fields.val} | ETA ${formatDuration(eta)}\n`);
    }
  }

  line(text: string): void {
    if (this.multi) this.multi.log(text + '\n');
    else process.stderr.write(text + '\n');
  }

  stop(): void {
    this.multi?.stop();
    this.multi = null;
    this.bar = null;
  }
}

function makeBudget(opts: TrainOpts, corpus: Corpus, cfg: TrainConfig): Budget {
  const perStep = cfg.batch * cfg.seqLength;
  let steps = opts.steps;
  if (opts.epochs !== undefined) {
    const e = Math.ceil((opts.epochs * corpus.train.length) / perStep);
    steps = steps === undefined ? e : Math.min(steps, e);
  }
  if (steps === undefined && opts.minutes === undefined) steps = Math.ceil(corpus.train.length / perStep);
  try {
    return checkBudget({ steps, minutes: opts.minutes });
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

function describeBudget(b: Budget): string {
  return [b.steps !== undefined ? `${b.steps} steps` : '', b.minutes !== undefined ? `${b.minutes} min` : ''].filter(Boolean).join(' or ');
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`cannot read the training text ${path}: ${code === 'ENOENT' ? 'file not found' : (e as Error).message}`);
  }
}

function makeCorpusOrUsage(text: string, o: Parameters<typeof makeCorpus>[1]): Corpus {
  try {
    return makeCorpus(text, o);
  } catch (e) {
    if (e instanceof DataError) throw new UsageError(e.message);
    throw e;
  }
}

function requireOpt<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new UsageError(`${what} is required`);
  return v;
}

/**
 * `snapshots/bard.npz` → `snapshots/bard.ckpt.npz`: next to the snapshot, like its loss curve, so that
 * `--resume --out` finds it from any directory and runs in different folders never share one (git ignores *.ckpt.npz).
 */
function defaultCheckpoint(out: string): string {
  return resolve(out).replace(/(\.npz)?$/i, '.ckpt.npz');
}

/** The weights of --init-from, checked against the text's vocabulary and any --hidden given. */
function startingWeights(path: string, corpus: Corpus, hidden: number | undefined): Model {
  let model: Model;
  try {
    model = loadSnapshot(resolve(path));
  } catch (e) {
    throw new UsageError(`--init-from: ${(e as Error).message}`);
  }
  if (model.chars.join('') !== corpus.chars.join('')) {
    throw new UsageError(`--init-from: ${basename(path)} has another vocabulary (${model.chars.length} characters) than this text (${corpus.chars.length}): a fine-tune needs the same characters`);
  }
  if (hidden !== undefined && hidden !== model.params.H) throw new UsageError(`--init-from: ${basename(path)} has H = ${model.params.H}, not the --hidden ${hidden} given`);
  return model;
}

function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

function formatChars(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n);
}

function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toFixed(4)) : x;
}

function formatDuration(s: number): string {
  if (!Number.isFinite(s)) return '-';
  if (s < 90) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return m < 90 ? `${m} min ${Math.round(s - m * 60)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
