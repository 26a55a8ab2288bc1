/**
 * The one door to the models. Everything a job generates goes through a Generate function, so where the
 * model runs is not the job code's business: `npm run worker` uses ModelServer.generate (src/serve/: model
 * threads that batch every stream in flight, per model), `npm run play` the in-process generator below. Both
 * give the same text for the same seed (the float32 kernel, as complete() runs it).
 */
import type { Model } from '../rnn/model.ts';
import { completeRequest } from '../serve/scheduler.ts';

export interface GenerateRequest {
  /** Which model (a registry name); a generator that serves one model ignores it. */
  model?: string;
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

/** Generates in this process: `models` is one Model, or finds the model a request names. */
export function inProcessGenerator(models: Model | ((name: string | undefined) => Model)): Generate {
  const find = typeof models === 'function' ? models : () => models;
  return async (req) => completeRequest(find(req.model), req);
}
