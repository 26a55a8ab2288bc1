/**
 * The one door to the model. Everything a job generates goes through a Generate function, so where the
 * model runs is not the job code's business: `npm run worker` uses ModelServer.generate (src/serve/: model
 * threads that batch every stream in flight), `npm run play` the in-process generator below. Both give the
 * same text for the same seed (the float32 kernel, as complete() runs it).
 */
import type { Model } from '../rnn/model.ts';
import { completeRequest } from '../serve/scheduler.ts';

export interface GenerateRequest {
  /** Text to prime on: the prompt, and for Continue the text generated so far. */
  context: string;
  temp: number;
  length: number;
  seed: number;
}

export interface Generated {
  continuation: string;
  /** Characters of the context the model does not know (skipped). */
  dropped: number;
}

export type Generate = (req: GenerateRequest) => Promise<Generated>;

export function inProcessGenerator(model: Model): Generate {
  return async (req) => completeRequest(model, req);
}

/** The model's name for footers: the snapshot's own, else its file name. */
export function modelName(model: Model, snapshotPath: string): string {
  const name = typeof model.meta.name === 'string' && model.meta.name.trim() ? model.meta.name.trim() : (snapshotPath.split(/[\\/]/).pop() ?? 'model').replace(/\.npz$/, '');
  return name.slice(0, 60);
}
