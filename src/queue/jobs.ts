/**
 * The jobs that travel through Redis, with the zod schema a worker applies to every payload before
 * using it (Redis content is never trusted). Job ids derive from the interaction id, so a job that is
 * enqueued twice for the same interaction runs once.
 */
import { z } from 'zod';
import { CONTEXT_MAX, LIMITS } from '../bard/limits.ts';
import { Actor, Id, Length, ModelRef, Seed, Target, Temp } from '../bard/state.ts';
import { PRESS_ACTIONS } from '../bard/temperature.ts';

export const JOB_NAMES = ['complete', 'round', 'reveal', 'why-colon', 'why'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** A prompt of ≤ 1000 characters is ≤ 2000 UTF-16 units. */
const Prompt = z.string().min(1).max(LIMITS.promptMax * 2);

export const CompleteJob = z.object({
  target: Target,
  channelId: Id,
  /** Whose prompt it is. */
  author: Actor,
  prompt: Prompt,
  temp: Temp,
  length: Length,
  seed: Seed,
  /** The model asked for (absent in jobs from older bots: the worker's default model). */
  model: ModelRef.optional(),
  /** Present when a button made this job. */
  press: z
    .object({
      action: z.enum(PRESS_ACTIONS),
      by: Actor,
      /** The result the button was under. */
      from: Id,
      clamped: z.enum(['min', 'max']).nullable(),
      /** Continue only: everything generated after the prompt so far (its tail beyond CONTEXT_MAX). */
      previous: z.string().max(CONTEXT_MAX).optional(),
    })
    .optional(),
});
export type CompleteJob = z.infer<typeof CompleteJob>;

export const RoundJob = z.object({
  target: Target,
  channelId: Id,
  author: Actor,
  prompt: Prompt,
  temps: z.array(Temp).min(LIMITS.roundTempsMin).max(LIMITS.roundTempsMax),
  /** The model of each entry, in the order of `temps` (absent: the default model for all). */
  models: z.array(ModelRef).min(LIMITS.roundTempsMin).max(LIMITS.roundTempsMax).optional(),
  seconds: z.number().int().min(1).max(LIMITS.roundSecondsMax),
  length: Length,
  seed: Seed,
}).refine((r) => !r.models || r.models.length === r.temps.length, { message: 'needs one model per temperature', path: ['models'] });
export type RoundJob = z.infer<typeof RoundJob>;

export const RevealJob = z.object({ roundId: Id });
export type RevealJob = z.infer<typeof RevealJob>;

export const WhyColonJob = z.object({ target: Target, requester: Actor, model: ModelRef.optional() });
export type WhyColonJob = z.infer<typeof WhyColonJob>;

/** /why: why the last character of `after` is followed by `next`, on one model. */
export const WhyJob = z.object({
  target: Target,
  requester: Actor,
  model: ModelRef,
  after: z.string().min(1).max(LIMITS.promptMax * 2),
  next: z.string().min(1).max(2),
});
export type WhyJob = z.infer<typeof WhyJob>;

export type Job =
  | { name: 'complete'; data: CompleteJob }
  | { name: 'round'; data: RoundJob }
  | { name: 'reveal'; data: RevealJob }
  | { name: 'why-colon'; data: WhyColonJob }
  | { name: 'why'; data: WhyJob };

const SCHEMAS = { complete: CompleteJob, round: RoundJob, reveal: RevealJob, 'why-colon': WhyColonJob, why: WhyJob } as const;

export class InvalidJobError extends Error {
  override name = 'InvalidJobError';
}

/** Checks a job read from the queue; throws InvalidJobError (never retried) when it is not one of ours. */
export function parseJob(name: string, data: unknown): Job {
  if (!(JOB_NAMES as readonly string[]).includes(name)) throw new InvalidJobError(`unknown job name ${JSON.stringify(name).slice(0, 60)}`);
  const parsed = SCHEMAS[name as JobName].safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidJobError(`invalid ${name} payload: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  return { name, data: parsed.data } as Job;
}

/** One job per interaction (and one reveal per round): BullMQ ignores an add whose id it already holds. */
export function jobIdFor(job: Job): string {
  if (job.name === 'reveal') return `reveal-${job.data.roundId}`;
  return `${job.name}-${job.data.target.interactionId}`;
}

export interface EnqueueOptions {
  /** Run no earlier than this many ms from now (round reveals). */
  delayMs?: number;
}

/** What the bot (and a worker scheduling a reveal) needs from the queue. */
export interface JobProducer {
  add(job: Job, opts?: EnqueueOptions): Promise<void>;
}

export class QueueUnavailableError extends Error {
  override name = 'QueueUnavailableError';
}
