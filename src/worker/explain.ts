import { explainPair, renderExplanationChart, summarise } from '../explain/index.ts';
import type { Model } from '../rnn/model.ts';

export interface ColonExplanation {
  text: string;
  image: { name: string; data: Uint8Array };
}

export type ExplainColon = () => Promise<ColonExplanation>;

/** /why-colon: why the model follows ':' with a newline or a space, worked out from its weights (synchronous). */
export function explainColon(model: Model): ColonExplanation {
  const e = explainPair(model, { after: ':', next: '\n ' });
  return { text: summarise(e, { detail: 3 }), image: { name: 'why-colon.png', data: new Uint8Array(renderExplanationChart(e)) } };
}

/** explainColon as a job dependency. The answer depends only on the model, so each worker computes it once. */
export function colonExplainer(model: Model): ExplainColon {
  let cached: Promise<ColonExplanation> | null = null;
  return () =>
    (cached ??= Promise.resolve()
      .then(() => explainColon(model))
      .catch((e: unknown) => {
        // A failure is not kept: the next request works it out again.
        cached = null;
        throw e;
      }));
}
