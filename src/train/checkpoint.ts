import { Model } from '../rnn/model.ts';
import { readCheckpoint, saveSnapshot, SnapshotError } from '../snapshot/index.ts';
import { makeConfig, type Budget, type TrainConfig } from './config.ts';
import type { History, Trainer, TrainerState } from './trainer.ts';

/**
 * A training checkpoint is an ordinary snapshot (weights, vocabulary, no h0) plus what `--resume` needs:
 * the optimizer's arrays and step (snapshot contract), and in `extra` the configuration, the budget,
 * the data fingerprint, the streams' positions and hidden states, the clock and the loss curves.
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
  saveSnapshot(path, model, { optimizer: { kind: trainer.optimizer.kind, state: s.optimizer }, step: s.step, extra: extra as unknown as Record<string, unknown> });
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
