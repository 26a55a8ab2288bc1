import type { TrainConfig } from './config.ts';

/**
 * The learning rate at a point of the run.
 *  - warm-up: lr rises linearly from lr/warmup to lr over the first `warmupSteps` steps;
 *  - then `constant`, or a decay from lr to lr·minLrRatio following a half cosine (`cosine`) or a line
 *    (`linear`) as `progress` goes from the end of warm-up (0) to the end of the budget (1).
 * `progress` is the fraction of the budget used: steps done / steps budget (deterministic), or
 * elapsed / minutes budget when the run is bounded by time only.
 */
export function learningRate(cfg: Pick<TrainConfig, 'lr' | 'schedule' | 'warmupSteps' | 'minLrRatio'>, step: number, progress: number): number {
  if (cfg.warmupSteps > 0 && step < cfg.warmupSteps) return (cfg.lr * (step + 1)) / cfg.warmupSteps;
  if (cfg.schedule === 'constant') return cfg.lr;
  const x = Math.min(1, Math.max(0, progress));
  const minLr = cfg.lr * cfg.minLrRatio;
  const decay = cfg.schedule === 'cosine' ? 0.5 * (1 + Math.cos(Math.PI * x)) : 1 - x;
  return minLr + (cfg.lr - minLr) * decay;
}
