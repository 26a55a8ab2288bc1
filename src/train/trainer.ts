import { scoreSequenceFast } from '../kernels/fast-score.ts';
import { Model, type ModelMeta } from '../rnn/model.ts';
import { assertFinite, cloneParams, PARAM_NAMES, zerosLike, type Params } from '../rnn/params.ts';
import { Rng } from '../rnn/rng.ts';
import { sampleFrom } from '../rnn/generate.ts';
import { updateAverage } from './average.ts';
import { referenceEngine, type BatchEngine } from './batch-loss.ts';
import { warmStartState } from './burn-in.ts';
import { clipElements, clipGlobalNorm } from './clip.ts';
import { fillDropoutMask } from './dropout.ts';
import type { Budget, TrainConfig } from './config.ts';
import type { Corpus } from './data.ts';
import { textLoss } from './evaluate.ts';
import { initialParams } from './init.ts';
import { makeOptimizer, type Optimizer } from './optimizers.ts';
import { learningRate } from './schedule.ts';
import { Streams } from './streams.ts';
import { WeightDrop } from './weight-drop.ts';

/** A point of a loss curve: after `step` steps and `chars` training characters, `loss` nats/char. */
export interface CurvePoint {
  step: number;
  chars: number;
  loss: number;
  /** Validation points: true when the whole validation range was scored (not just its beginning). */
  full?: boolean;
}

export interface History {
  train: CurvePoint[];
  val: CurvePoint[];
}

/** Everything a run needs to continue exactly where it stopped (what a checkpoint holds). */
export interface TrainerState {
  params: Params;
  /** The moving average of the weights, when the run keeps one (cfg.ema > 0). */
  average?: Params;
  optimizer: Record<string, Float64Array>;
  step: number;
  charsSeen: number;
  /** Seconds spent training so far, over all sessions of the run. */
  seconds: number;
  streamPos: Float64Array;
  streamH: Float64Array;
  smoothLoss: number;
  history: History;
  /** Loss summed since the last train-curve point, and the number of characters it covers. */
  pending: { loss: number; chars: number };
}

export interface StepInfo {
  step: number;
  /** Mean loss per character of this step's batch. */
  loss: number;
  smoothLoss: number;
  lr: number;
  gradNorm: number;
}

/**
 * The training loop's state machine, with no I/O: one `step()` reads the next window of every stream,
 * runs forward + BPTT, clips, and updates the parameters. Checkpointing, progress display and
 * stopping live in the caller (src/cli/train.ts). Every random draw comes from `cfg.seed` (init) or
 * from the step number (samples), so a run is deterministic given its seed, and a resumed run
 * continues bit for bit.
 */
export class Trainer {
  readonly params: Params;
  /** With cfg.ema > 0: the moving average of the weights, which validation, samples and the model use. */
  readonly average: Params | undefined;
  readonly optimizer: Optimizer;
  readonly streams: Streams;
  readonly history: History;
  step: number;
  charsSeen: number;
  seconds: number;
  smoothLoss: number;
  private pending: { loss: number; chars: number };
  private readonly grads: Params;
  private dropMask: Float32Array | undefined;
  private readonly weightDrop: WeightDrop | undefined;

  constructor(
    readonly corpus: Corpus,
    readonly cfg: TrainConfig,
    public budget: Budget,
    readonly engine: BatchEngine = referenceEngine,
    /** Points on the train curve are the mean over this many steps. */
    readonly curveEvery = 50,
    state?: TrainerState,
  ) {
    const V = corpus.chars.length;
    this.params = state ? state.params : initialParams(cfg, V);
    if (this.params.H !== cfg.hidden || this.params.V !== V) {
      throw new Error(`state has H = ${this.params.H}, V = ${this.params.V}; the configuration wants H = ${cfg.hidden}, V = ${V}`);
    }
    if (cfg.ema > 0) {
      if (state && !state.average) throw new Error('this state has no moving average of the weights, which the configuration (ema) wants');
      this.average = state?.average ?? cloneParams(this.params);
    }
    this.optimizer = makeOptimizer(cfg, this.params);
    if (state) this.optimizer.load(state.optimizer);
    this.streams = new Streams(corpus.train, cfg.batch, cfg.seqLength, cfg.hidden, state?.streamPos, state?.streamH);
    this.grads = zerosLike(this.params);
    this.weightDrop = cfg.weightDrop > 0 ? new WeightDrop(cfg.hidden, cfg.weightDrop) : undefined;
    this.step = state?.step ?? 0;
    this.charsSeen = state?.charsSeen ?? 0;
    this.seconds = state?.seconds ?? 0;
    this.smoothLoss = state?.smoothLoss ?? Math.log(V); // min-char-rnn starts its smooth loss at the uniform guess
    this.history = state?.history ?? { train: [], val: [] };
    this.pending = state ? { ...state.pending } : { loss: 0, chars: 0 };
  }

  /**
   * Starts from given weights instead of the initialisation (a fine-tune of a trained model): the live weights and
   * their moving average both become a copy of `p`. Only before the first step.
   */
  startFrom(p: Params): void {
    if (this.step !== 0) throw new Error('startFrom: the run has already taken steps');
    if (p.H !== this.params.H || p.V !== this.params.V) throw new Error(`startFrom: weights of H = ${p.H}, V = ${p.V}; this run has H = ${this.params.H}, V = ${this.params.V}`);
    for (const n of PARAM_NAMES) {
      this.params[n].set(p[n]);
      this.average?.[n].set(p[n]);
    }
  }

  /** Fraction of the budget used, in [0, 1]: by steps when there is a step budget, else by time. */
  progress(): number {
    const fractions: number[] = [];
    if (this.budget.steps !== undefined) fractions.push(this.budget.steps === 0 ? 1 : this.step / this.budget.steps);
    if (this.budget.minutes !== undefined) fractions.push(this.seconds / (this.budget.minutes * 60));
    return Math.min(1, Math.max(0, ...fractions));
  }

  done(): boolean {
    return this.progress() >= 1;
  }

  /** The learning rate of the next step. The schedule follows steps when they bound the run, time otherwise. */
  currentLr(): number {
    const { warmupSteps } = this.cfg;
    let x: number;
    if (this.budget.steps !== undefined) x = (this.step - warmupSteps) / Math.max(1, this.budget.steps - warmupSteps);
    else x = this.progress();
    return learningRate(this.cfg, this.step, x);
  }

  /** One optimisation step; `elapsed` (seconds it took) is added to the run's time by the caller's clock. */
  trainStep(): StepInfo {
    const { cfg, streams, grads, params } = this;
    const lr = this.currentLr();
    streams.next();
    const mask = cfg.dropout > 0 ? this.dropoutMask() : undefined;
    const stepParams = this.weightDrop ? this.weightDrop.apply(params, this.stepSeed(0xc2b2ae35, 0x27d4eb2f)) : params;
    const loss = this.engine.lossAndGrads(stepParams, streams.inputs, streams.targets, streams.h, grads, cfg.batch, cfg.seqLength, mask, cfg.normStabiliser);
    this.weightDrop?.maskGradient(grads);
    streams.advance();
    const chars = cfg.batch * cfg.seqLength;
    if (!Number.isFinite(loss)) throw new Error(`the loss became ${loss} at step ${this.step + 1}: lower the learning rate or clip harder`);
    const gradNorm = clipGlobalNorm(grads, cfg.clipNorm);
    if (cfg.clip > 0) clipElements(grads, cfg.clip);
    this.optimizer.update(params, grads, lr);
    if (this.average) updateAverage(this.average, params, cfg.ema, this.step);
    this.step += 1;
    this.charsSeen += chars;
    const perChar = loss / chars;
    // min-char-rnn's smooth_loss, per character: 0.999 per 25-character window
    const keep = 0.999 ** (chars / 25);
    this.smoothLoss = keep * this.smoothLoss + (1 - keep) * perChar;
    this.pending.loss += loss;
    this.pending.chars += chars;
    if (this.step % this.curveEvery === 0) this.flushCurve();
    return { step: this.step, loss: perChar, smoothLoss: this.smoothLoss, lr, gradNorm };
  }

  /**
   * This step's dropout mask on the output layer's input (inverted dropout: a kept unit is scaled by
   * 1/(1 − p), so the unmasked model used for validation and sampling needs no rescaling). Drawn from
   * the seed and the step, so a resumed run draws the same masks.
   */
  private dropoutMask(): Float32Array {
    const { batch, seqLength, hidden, dropout } = this.cfg;
    const mask = (this.dropMask ??= new Float32Array(batch * seqLength * hidden));
    fillDropoutMask(mask, dropout, this.stepSeed(0x85ebca6b, 0x5bd1e995));
    return mask;
  }

  /**
   * A seed for this step's random draws (dropout mask, weight-drop mask, sample), from the run's seed and the
   * step, so a resumed run draws what the uninterrupted one would; each use mixes with its own constants.
   */
  private stepSeed(mul: number, salt = 0): number {
    return (this.cfg.seed ^ Math.imul(this.step + 1, mul) ^ salt) >>> 0;
  }

  /** Closes the current train-curve interval (also called at the end and before a checkpoint). */
  flushCurve(): void {
    if (this.pending.chars === 0) return;
    this.history.train.push({ step: this.step, chars: this.charsSeen, loss: this.pending.loss / this.pending.chars });
    this.pending = { loss: 0, chars: 0 };
  }

  /** The weights a model of the run is made of: the moving average when there is one, else the live weights. */
  get modelParams(): Params {
    return this.average ?? this.params;
  }

  /** The warm start state for the model's weights (see burn-in.ts). */
  startState(): Float64Array {
    return warmStartState(this.modelParams, this.corpus.train, this.corpus.chars);
  }

  /**
   * Validation loss: the validation text read continuously from the warm start state, float64.
   * `maxChars` (> 0) limits it to a prefix, for cheap checks during training; 0 = the whole range.
   * `exact` false lets a run on the kernels score with them (float32 states, about 8× faster, within ~1e-5
   * nats/char): the checks during a run; the final one stays float64, the figure `bard loss` prints.
   * The result is recorded on the validation curve.
   */
  validate(maxChars = 0, exact = true): { natsPerChar: number; chars: number } {
    const val = this.corpus.val;
    if (val.length < 2) return { natsPerChar: NaN, chars: 0 };
    const full = !(maxChars > 0 && maxChars + 1 < val.length);
    const ixs = full ? val : val.subarray(0, maxChars + 1);
    const h0 = this.startState();
    const p = this.modelParams;
    const fast = exact || this.engine === referenceEngine ? null : scoreSequenceFast(p, ixs, h0);
    const r = fast ? { natsPerChar: fast.count > 0 ? fast.nats / fast.count : NaN, chars: fast.count } : textLoss(p, ixs, h0);
    const last = this.history.val.at(-1);
    if (last && last.step === this.step && last.full === full) this.history.val.pop();
    this.history.val.push({ step: this.step, chars: this.charsSeen, loss: r.natsPerChar, full });
    return r;
  }

  /** A short sample from the warm state, seeded by the run's seed and the step (does not touch training state). */
  sample(length = 160, temp = 0.8): string {
    assertFinite(this.modelParams, 'trained parameters');
    // The weights themselves, not a copy: sampling only reads them, and the kernel sampler it runs on is cached
    // per parameter object (a fresh copy each time would build a new WASM instance for every sample).
    const model = new Model(this.modelParams, this.corpus.chars);
    const rng = new Rng(this.stepSeed(0x9e3779b1));
    return model.decode(sampleFrom(model, this.startState(), length, temp, rng).ixs);
  }

  /** The current weights as a Model with its warm start state (weights copied, so training can go on). */
  model(meta: ModelMeta): Model {
    assertFinite(this.modelParams, 'trained parameters');
    return new Model(cloneParams(this.modelParams), this.corpus.chars, this.startState(), meta);
  }

  state(): TrainerState {
    return {
      params: this.params,
      average: this.average,
      optimizer: this.optimizer.state(),
      step: this.step,
      charsSeen: this.charsSeen,
      seconds: this.seconds,
      streamPos: this.streams.pos,
      streamH: this.streams.h,
      smoothLoss: this.smoothLoss,
      history: this.history,
      pending: { ...this.pending },
    };
  }
}
