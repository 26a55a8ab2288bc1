/**
 * An interaction delivered twice (a load balancer retrying on another replica, a replay) runs once.
 * The first delivery claims the interaction id in Redis and records its answer there; a repeat waits for
 * that answer and sends the same one, with no second job. A claim whose replica died before answering
 * runs out after PENDING_MS, and the repeat then takes the interaction over (its enqueue is idempotent:
 * the job id is the interaction id). Records live as long as the interaction token, 15 minutes.
 */
import { keys } from '../bard/state.ts';
import type { Store } from '../store/store.ts';
import type { InteractionResponse } from './interaction-context.ts';

/** How long a claim stands without an answer: Discord gives 3 s, so a repeat must still have time to answer. */
export const PENDING_MS = 2000;
/** How long a repeat waits for the first delivery's answer before it takes the interaction over. */
export const REPEAT_WAIT_MS = 1500;
const ANSWER_TTL_MS = 15 * 60_000;
const POLL_MS = 25;
const PENDING = 'pending';

export type Claim = { kind: 'first' } | { kind: 'repeat'; answer: InteractionResponse } | { kind: 'orphaned' };

export class Deliveries {
  constructor(
    private readonly store: Store,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /** Throws when Redis cannot be reached (the caller answers "busy"). */
  async claim(interactionId: string): Promise<Claim> {
    const key = keys.delivery(interactionId);
    if (await this.store.setIfAbsent(key, PENDING, PENDING_MS)) return { kind: 'first' };
    const until = Date.now() + REPEAT_WAIT_MS;
    for (;;) {
      const v = await this.store.get(key);
      if (v !== null && v !== PENDING) {
        const answer = parseAnswer(v);
        if (answer) return { kind: 'repeat', answer };
      }
      if (v === null || Date.now() >= until) return { kind: 'orphaned' };
      await this.sleep(POLL_MS);
    }
  }

  record(interactionId: string, answer: InteractionResponse): Promise<void> {
    return this.store.set(keys.delivery(interactionId), JSON.stringify(answer), ANSWER_TTL_MS);
  }
}

function parseAnswer(raw: string): InteractionResponse | null {
  try {
    const v = JSON.parse(raw) as InteractionResponse;
    return typeof v === 'object' && v !== null && typeof v.type === 'number' ? v : null;
  } catch {
    return null;
  }
}
