import { explainPair, headline, renderExplanationChart, summarise } from '../explain/index.ts';
import type { Model } from '../rnn/model.ts';

/** /why-colon and /why: why `after` (the last character of `context`) is followed by a character of `next`. */
export interface ExplainQuery {
  after: string;
  next: string;
  /** The text read before the prediction, ending with `after`; the built-in contexts when absent. */
  context?: string;
}

export interface ExplainResult {
  text: string;
  image: { name: string; data: Uint8Array };
}

/** An explanation as a job dependency: which model, which question. */
export type Explain = (model: string, q: ExplainQuery) => Promise<ExplainResult>;

export const COLON_QUERY: ExplainQuery = { after: ':', next: '\n ' };

/** Works out the answer from the weights (synchronous): the three-line headline, then the detail. Throws ExplainError. */
export function explainQuery(model: Model, q: ExplainQuery): ExplainResult {
  const e = explainPair(model, { after: q.after, next: q.next, context: q.context });
  const name = q.after === ':' && q.next === '\n ' && q.context === undefined ? 'why-colon.png' : 'why.png';
  return { text: `${headline(e).join('\n')}\n\n${summarise(e, { detail: 3 })}`, image: { name, data: new Uint8Array(renderExplanationChart(e)) } };
}

/** Answers depend only on the model and the question; the last few are kept. */
const CACHE_SIZE = 32;

/**
 * A cache of explanations keyed by model and question, shared by the in-process explainer and the model
 * threads. Callers forget a failure, so the next request works it out again.
 */
export class ExplainCache<T> {
  private readonly entries = new Map<string, T>();

  private static key(model: string, q: ExplainQuery): string {
    return JSON.stringify([model, q.after, q.next, q.context ?? null]);
  }

  get(model: string, q: ExplainQuery, work: () => T): T {
    const key = ExplainCache.key(model, q);
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const value = work();
    this.entries.set(key, value);
    if (this.entries.size > CACHE_SIZE) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }

  forget(model: string, q: ExplainQuery): void {
    this.entries.delete(ExplainCache.key(model, q));
  }
}

/** explainQuery as a job dependency, in this process (`npm run play`, tests). */
export function inProcessExplainer(models: (name: string) => Model): Explain {
  const cache = new ExplainCache<Promise<ExplainResult>>();
  return (name, q) =>
    cache.get(name, q, () =>
      Promise.resolve()
        .then(() => explainQuery(models(name), q))
        .catch((e: unknown) => {
          cache.forget(name, q);
          throw e;
        }),
    );
}
