/**
 * What a worker does with each job, independent of BullMQ and of Discord: generate, keep the state
 * the buttons need, show the reply. `npm run worker` runs these on BullMQ jobs and posts over REST;
 * `npm run play` runs the same functions in-process and prints.
 */
import type { Logger } from 'pino';
import { CONTEXT_MAX } from '../bard/limits.ts';
import type { Reply } from '../bard/replies.ts';
import { tally } from '../bard/replies.ts';
import { encodeResult } from '../bard/result-codec.ts';
import { keys, LABELS, RoundState, type ResultState, type Target } from '../bard/state.ts';
import type { ModelRegistry } from '../models/registry.ts';
import type { CompleteJob, Job, JobProducer, RevealJob, RoundJob, WhyColonJob, WhyJob } from '../queue/jobs.ts';
import { Rng } from '../rnn/rng.ts';
import { getJson, setJson, type Store } from '../store/store.ts';
import { ExplainError, nameChar } from '../explain/index.ts';
import { COLON_QUERY, type Explain, type ExplainQuery } from './explain.ts';
import type { Generate } from './generate.ts';

/** Shows a reply as the response to an interaction (edits the deferred reply, adds follow-ups). Must be idempotent. */
export interface Poster {
  show(target: Target, reply: Reply): Promise<void>;
}

export interface JobDeps {
  generate: Generate;
  explain: Explain;
  /** The models this process serves: a job's model (name and file hash) is checked against them. */
  models: ModelRegistry;
  store: Store;
  poster: Poster;
  /** For scheduling a round's reveal. */
  producer: JobProducer;
  stateTtlMs: number;
  now: () => number;
  log: Logger;
}

export async function runJob(job: Job, deps: JobDeps): Promise<void> {
  switch (job.name) {
    case 'complete':
      return runComplete(job.data, deps);
    case 'round':
      return runRound(job.data, deps);
    case 'reveal':
      return runReveal(job.data, deps);
    case 'why-colon':
      return runWhyColon(job.data, deps);
    case 'why':
      return runWhy(job.data, deps);
  }
}

/** The interaction a job answers, for an error notice when it fails for good (reveals have none of their own). */
export function targetOf(job: Job): Target | null {
  return job.name === 'reveal' ? null : job.data.target;
}

function tail(s: string, max: number): string {
  return s.length <= max ? s : s.slice(s.length - max);
}

async function runComplete(d: CompleteJob, deps: JobDeps): Promise<void> {
  const continuing = d.press?.action === 'continue';
  const previous = continuing ? (d.press?.previous ?? '') : '';
  // Re-priming on prompt + text so far reproduces the state where the text stopped (each sampled
  // character was fed exactly once), so Continue needs no stored hidden state.
  const { card } = deps.models.resolve(d.model);
  const g = await deps.generate({ model: card.name, context: d.prompt + previous, temp: d.temp, length: d.length, seed: d.seed });
  const ref = d.target.interactionId;
  const state: ResultState = {
    author: d.author,
    prompt: d.prompt,
    text: tail(previous + g.continuation, CONTEXT_MAX),
    temp: d.temp,
    length: d.length,
    model: { name: card.name, hash: card.hash },
  };
  // Saved before posting, so a button pressed the moment the reply appears finds its state.
  await deps.store.setBytes(keys.result(ref), encodeResult(state), deps.stateTtlMs);
  await deps.poster.show(d.target, {
    kind: 'completion',
    author: d.author,
    prompt: d.prompt,
    continuation: g.continuation,
    temp: d.temp,
    length: d.length,
    seed: d.seed,
    model: card.name,
    ref,
    dropped: g.dropped,
    press: d.press && {
      by: d.press.by,
      action: d.press.action,
      clamped: d.press.clamped,
      previousTail: continuing ? tail(d.prompt + previous, 300) : undefined,
    },
  });
}

/** Fisher–Yates with the job's seed: labels A–D do not give away the order of the temperatures. */
function shuffled<T>(xs: readonly T[], rng: Rng): T[] {
  const a = xs.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

async function runRound(d: RoundJob, deps: JobDeps): Promise<void> {
  const id = d.target.interactionId;
  const rng = new Rng(d.seed);
  // Every model is checked before any text is made: a round never mixes in a model that was not asked for.
  const names = d.temps.map((_, i) => deps.models.resolve(d.models?.[i]).card.name);
  const plays = shuffled(
    d.temps.map((temp, i) => ({ temp, model: names[i] })),
    rng,
  );
  const seeds = plays.map(() => Math.floor(rng.next() * 0x100000000));
  // All entries at once: a batching worker steps each model's entries together (each text depends only on its own seed).
  const texts = (await Promise.all(plays.map((e, i) => deps.generate({ model: e.model, context: d.prompt, temp: e.temp, length: d.length, seed: seeds[i] })))).map(
    (g) => g.continuation,
  );
  const fresh: RoundState = {
    id,
    target: d.target,
    requester: d.author,
    prompt: d.prompt,
    model: modelList(names),
    length: d.length,
    entries: plays.map((e, i) => ({ label: LABELS[i], temp: e.temp, seed: seeds[i], text: texts[i], model: e.model })),
    endsAt: Math.round(deps.now() + d.seconds * 1000),
  };
  // A re-run (at-least-once delivery) keeps the first run's state, and so its closing time.
  const key = keys.round(id);
  const ttl = d.seconds * 1000 + deps.stateTtlMs;
  let round = fresh;
  if (!(await deps.store.setIfAbsent(key, JSON.stringify(fresh), ttl))) {
    const stored = RoundState.safeParse(await getJson(deps.store, key));
    if (stored.success) round = stored.data;
    else await setJson(deps.store, key, fresh, ttl);
  }
  await deps.poster.show(d.target, {
    kind: 'round',
    id,
    author: round.requester,
    prompt: round.prompt,
    model: round.model,
    length: round.length,
    entries: round.entries.map((e) => ({ label: e.label, text: e.text })),
    endsAt: round.endsAt,
  });
  // A delayed job in Redis, not a timer in this process: the reveal survives restarts.
  await deps.producer.add({ name: 'reveal', data: { roundId: id } }, { delayMs: Math.max(0, round.endsAt - deps.now()) });
}

async function runReveal(d: RevealJob, deps: JobDeps): Promise<void> {
  const parsed = RoundState.safeParse(await getJson(deps.store, keys.round(d.roundId)));
  if (!parsed.success) {
    deps.log.warn({ roundId: d.roundId }, 'reveal: round state missing or invalid, nothing to reveal');
    return;
  }
  const round = parsed.data;
  // Close voting first, so no vote lands after the count.
  await deps.store.set(keys.roundOver(round.id), '1', deps.stateTtlMs);
  const votes = await deps.store.hashGetAll(keys.roundVotes(round.id));
  const labels = round.entries.map((e) => e.label);
  const t = tally(votes, labels);
  await deps.poster.show(round.target, {
    kind: 'round-result',
    id: round.id,
    author: round.requester,
    prompt: round.prompt,
    model: round.model,
    length: round.length,
    entries: round.entries.map((e) => ({ label: e.label, text: e.text, temp: e.temp, model: e.model ?? round.model, votes: t.counts[e.label] ?? 0 })),
    voters: t.voters,
    winners: t.winners,
  });
}

/** "a" or "a and b": the models a round draws from (which wrote which stays hidden until the reveal). */
function modelList(names: string[]): string {
  const unique = [...new Set(names)];
  const text = unique.length === 1 ? unique[0] : `${unique.slice(0, -1).join(', ')} and ${unique[unique.length - 1]}`;
  return text.slice(0, 100);
}

async function runWhyColon(d: WhyColonJob, deps: JobDeps): Promise<void> {
  await explainFor(d, deps, COLON_QUERY, 'why a colon is followed by a newline or a space');
}

async function runWhy(d: WhyJob, deps: JobDeps): Promise<void> {
  const chars = [...d.after];
  const q: ExplainQuery = { after: chars[chars.length - 1], next: d.next, context: d.after };
  await explainFor(d, deps, q, `why ${nameChar(q.after)} is followed by ${nameChar(d.next)}`);
}

async function explainFor(d: WhyColonJob | WhyJob, deps: JobDeps, q: ExplainQuery, question: string): Promise<void> {
  const { card } = deps.models.resolve(d.model);
  let e;
  try {
    e = await deps.explain(card.name, q);
  } catch (err) {
    // A question this model cannot be asked (a character outside its vocabulary): say so rather than retry.
    if (!(err instanceof ExplainError)) throw err;
    return deps.poster.show(d.target, { kind: 'notice', text: `The model ${card.name} cannot answer that: ${err.message}.` });
  }
  await deps.poster.show(d.target, { kind: 'explanation', requester: d.requester, question, model: card.name, text: e.text, image: e.image });
}
