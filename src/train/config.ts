/**
 * One place for the trainer's configuration (nanoGPT style): every hyper-parameter with its default
 * and its check. The defaults are min-char-rnn's: H 100, seq 25, lr 0.1, Adagrad, clip 5, one stream.
 */
export type OptimKind = 'adagrad' | 'adam' | 'adamw';
export type ScheduleKind = 'constant' | 'cosine' | 'linear';
export type WhhInit = 'small-random' | 'orthogonal' | 'identity-scaled';

export interface TrainConfig {
  hidden: number;
  seqLength: number;
  batch: number;
  optim: OptimKind;
  lr: number;
  /** Adam's betas and epsilon. */
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay (AdamW) on the weight matrices, never the biases. */
  weightDecay: number;
  schedule: ScheduleKind;
  /** Linear warm-up over this many steps (0 = none). */
  warmupSteps: number;
  /** The schedule decays to lr · minLrRatio. */
  minLrRatio: number;
  /** Element-wise clip to [−clip, clip] (0 = off). */
  clip: number;
  /** Global L2-norm clip (0 = off), applied before the element clip. */
  clipNorm: number;
  /** Dropout probability on the output layer's input h (0 = off); it never drops the recurrent state. */
  dropout: number;
  /** Weight drop on the recurrence: each step masks Whh's entries with this probability (0 = off). */
  weightDrop: number;
  /** β of the norm stabiliser (a loss term β Σ_t (‖h_t‖ − ‖h_{t−1}‖)², training only; 0 = off). */
  normStabiliser: number;
  /** Decay of the moving average of the weights that validation, samples and snapshots use (0 = off). */
  ema: number;
  initWhh: WhhInit;
  /** Std of the N(0,1)·scale init of Wxh, Why (and Whh for small-random). */
  initScale: number;
  /** Gain of the orthogonal Whh, or the diagonal of the identity-scaled one. */
  whhGain: number;
  seed: number;
}

export interface Budget {
  steps?: number;
  minutes?: number;
}

export const DEFAULTS: TrainConfig = {
  hidden: 100,
  seqLength: 25,
  batch: 1,
  optim: 'adagrad',
  lr: 0.1,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0,
  schedule: 'constant',
  warmupSteps: 0,
  minLrRatio: 0.1,
  clip: 5,
  clipNorm: 0,
  dropout: 0,
  weightDrop: 0,
  normStabiliser: 0,
  ema: 0,
  initWhh: 'small-random',
  initScale: 0.01,
  whhGain: 1,
  seed: 1,
};

/** Adagrad's 0.1 would blow Adam up; Adam's usual default is a few thousandths. AdamW's decay defaults to 0.01. */
export const DEFAULT_LR: Record<OptimKind, number> = { adagrad: 0.1, adam: 0.002, adamw: 0.002 };

export class ConfigError extends Error {}

const OPTIMS: readonly OptimKind[] = ['adagrad', 'adam', 'adamw'];
const SCHEDULES: readonly ScheduleKind[] = ['constant', 'cosine', 'linear'];
const WHH_INITS: readonly WhhInit[] = ['small-random', 'orthogonal', 'identity-scaled'];

/** Fills defaults and checks every field; throws ConfigError naming the first bad one. */
export function makeConfig(partial: Partial<TrainConfig>): TrainConfig {
  const optim = partial.optim ?? DEFAULTS.optim;
  const cfg: TrainConfig = {
    ...DEFAULTS,
    lr: DEFAULT_LR[optim] ?? DEFAULTS.lr,
    weightDecay: optim === 'adamw' ? 0.01 : 0,
    ...dropUndefined(partial),
  };
  const int = (name: keyof TrainConfig, min: number, max: number) => {
    const v = cfg[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${name} must be a whole number in [${min}, ${max}], got ${v}`);
  };
  const num = (name: keyof TrainConfig, min: number, max: number, openMin = false) => {
    const v = cfg[name] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (openMin && v === min)) {
      throw new ConfigError(`${name} must be a number in ${openMin ? '(' : '['}${min}, ${max}], got ${v}`);
    }
  };
  int('hidden', 1, 4096);
  int('seqLength', 1, 10_000);
  int('batch', 1, 4096);
  if (!OPTIMS.includes(cfg.optim)) throw new ConfigError(`optim must be one of ${OPTIMS.join(', ')}, got ${cfg.optim}`);
  if (!SCHEDULES.includes(cfg.schedule)) throw new ConfigError(`lr schedule must be one of ${SCHEDULES.join(', ')}, got ${cfg.schedule}`);
  if (!WHH_INITS.includes(cfg.initWhh)) throw new ConfigError(`init-whh must be one of ${WHH_INITS.join(', ')}, got ${cfg.initWhh}`);
  num('lr', 0, 10, true);
  num('beta1', 0, 0.999999);
  num('beta2', 0, 0.999999);
  num('eps', 0, 1, true);
  num('weightDecay', 0, 1);
  int('warmupSteps', 0, 1e9);
  num('minLrRatio', 0, 1);
  num('clip', 0, 1e6);
  num('clipNorm', 0, 1e6);
  num('dropout', 0, 0.9);
  num('weightDrop', 0, 0.9);
  num('normStabiliser', 0, 1000);
  num('ema', 0, 0.999999);
  num('initScale', 0, 10);
  num('whhGain', 0, 10);
  int('seed', 0, 2 ** 32 - 1);
  return cfg;
}

export function checkBudget(b: Budget): Budget {
  if (b.steps !== undefined && (!Number.isInteger(b.steps) || b.steps < 0)) throw new ConfigError(`steps must be a whole number ≥ 0, got ${b.steps}`);
  if (b.minutes !== undefined && (!Number.isFinite(b.minutes) || b.minutes <= 0)) throw new ConfigError(`minutes must be a number > 0, got ${b.minutes}`);
  if (b.steps === undefined && b.minutes === undefined) throw new ConfigError('a budget is needed: steps or minutes');
  return b;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
