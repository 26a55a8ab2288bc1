import { Model } from '../rnn/model.ts';
import { PARAM_NAMES, type Params } from '../rnn/params.ts';
import { readCheckpoint, saveSnapshot, SnapshotError } from '../snapshot/index.ts';
import { makeConfig, type Budget, type TrainConfig } from './config.ts';
import type { History, Trainer, TrainerState } from './trainer.ts';

/**
 * A training checkpoint is an ordinary snapshot (weights, vocabulary, no h0) plus what `--resume` needs:
 * the optimizer's arrays and step (snapshot contract), and in `extra` the configuration, the budget,
 * the data fingerprint, the streams' positions and hidden states, the clock and the loss curves.
 * A run with a moving average of the weights keeps it next to the optimizer's arrays, as avgWxh ….
 * Numbers go through JSON, which round-trips float64 exactly.
 */
export const CHECKPOINT_KIND = 'bard-train-checkpoint';

export interface CheckpointInfo {
  /** The data file's name (no directory) and the fingerprint of its used range. */
  data: string;
  /** Where the text was read from, so `--resume` can find it again (checkpoints stay on this machine). */
  dataPath?: string;
  fingerprint: string;
  split: { from: number; trainEnd: number; to: number };
  out: string;
  /** The snapshot a fine-tune started from (--init-from): its file and model name, and the training it had had. */
  initFrom?: { file: string; name: string; steps: number; chars_seen: number; seconds: number; hyper?: unknown };
}

interface Extra {
  kind: typeof CHECKPOINT_KIND;
  config: TrainConfig;
  budget: Budget;
  info: CheckpointInfo;
  charsSeen: number;
  seconds: number;
  smoothLoss: number;
  streamPos: number[];
  streamH: number[];
  history: History;
  pending: { loss: number; chars: number };
}

export function saveCheckpoint(path: string, trainer: Trainer, info: CheckpointInfo): void {
  const s = trainer.state();
  const extra: Extra = {
    kind: CHECKPOINT_KIND,
    config: trainer.cfg,
    budget: trainer.budget,
    info,
    charsSeen: s.charsSeen,
    seconds: s.seconds,
    smoothLoss: s.smoothLoss,
    streamPos: Array.from(s.streamPos),
    streamH: Array.from(s.streamH),
    history: s.history,
    pending: s.pending,
  };
  const model = new Model(s.params, trainer.corpus.chars, null, { name: 'checkpoint' });
  const state = { ...s.optimizer };
  if (s.average) for (const n of PARAM_NAMES) state[`${AVG}${n}`] = s.average[n];
  saveSnapshot(path, model, { optimizer: { kind: trainer.optimizer.kind, state }, step: s.step, extra: extra as unknown as Record<string, unknown> });
}

const AVG = 'avg';

/** The moving average stored with the optimizer's arrays, or undefined when the run keeps none. */
function averageOf(state: Record<string, Float64Array>, p: Params, path: string): Params | undefined {
  if (!state[`${AVG}Whh`]) return undefined;
  const avg = { H: p.H, V: p.V } as Params;
  for (const n of PARAM_NAMES) {
    const a = state[`${AVG}${n}`];
    if (!a || a.length !== p[n].length) throw new SnapshotError(path, `moving average ${AVG}${n} is missing or has the wrong size`);
    avg[n] = a;
  }
  return avg;
}

export interface LoadedCheckpoint {
  config: TrainConfig;
  budget: Budget;
  info: CheckpointInfo;
  chars: readonly string[];
  state: TrainerState;
}

export function loadCheckpoint(path: string): LoadedCheckpoint {
  const ck = readCheckpoint(path);
  const extra = ck.extra as Partial<Extra> | undefined;
  if (!extra || extra.kind !== CHECKPOINT_KIND || !ck.optimizer || ck.step === undefined) {
    throw new SnapshotError(path, 'is a snapshot but not a training checkpoint (no optimizer state, step or training state to resume from)');
  }
  const config = makeConfig(extra.config!);
  const p = ck.model.params;
  if (extra.streamPos!.length !== config.batch || extra.streamH!.length !== config.batch * p.H) {
    throw new SnapshotError(path, 'training state does not match its batch size and hidden size');
  }
  return {
    config,
    budget: extra.budget!,
    info: extra.info!,
    chars: ck.model.chars,
    state: {
      params: p,
      average: averageOf(ck.optimizer.state, p, path),
      optimizer: ck.optimizer.state,
      step: ck.step,
      charsSeen: extra.charsSeen!,
      seconds: extra.seconds!,
      smoothLoss: extra.smoothLoss!,
      streamPos: Float64Array.from(extra.streamPos!),
      streamH: Float64Array.from(extra.streamH!),
      history: extra.history!,
      pending: extra.pending!,
    },
  };
}
