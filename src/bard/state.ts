/**
 * What Bard keeps in its store between interactions, with the zod schemas every reader applies:
 * nothing read back from Redis is trusted. Button custom_ids only carry a key into this state.
 */
import { z } from 'zod';
import { CONTEXT_MAX, LIMITS } from './limits.ts';

/** Interaction, user, channel and round ids, and the refs button custom_ids carry. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;
export const Id = z.string().regex(ID_PATTERN);
export const Actor = z.object({ id: Id, name: z.string().min(1).max(100) });
export type Actor = z.infer<typeof Actor>;

/**
 * Where a worker posts: the interaction whose deferred reply it edits (token valid 15 minutes), and
 * its channel, where a plain message goes instead once the token is dead.
 */
export const Target = z.object({ interactionId: Id, token: z.string().min(1).max(1000), channelId: Id.optional() });
export type Target = z.infer<typeof Target>;

export const Temp = z.number().min(LIMITS.tempMin).max(LIMITS.tempMax);
export const Length = z.number().int().min(LIMITS.lengthMin).max(LIMITS.lengthMax);
export const Seed = z.number().int().min(0).max(0xffffffff);
export const Label = z.enum(['A', 'B', 'C', 'D']);
export type Label = z.infer<typeof Label>;
export const LABELS: Label[] = ['A', 'B', 'C', 'D'];

/** A model as a job names it: its registry name and its file's content hash (see src/models/registry.ts). */
export const ModelRef = z.object({ name: z.string().min(1).max(100), hash: z.string().regex(/^[0-9a-f]{6,64}$/) });
export type ModelRef = z.infer<typeof ModelRef>;

/** A /bard result, referenced by its buttons: enough to run Again, Cooler, Hotter and Continue. */
export const ResultState = z.object({
  /** Whose prompt it is. */
  author: Actor,
  prompt: z.string().max(LIMITS.promptMax * 2),
  /** Everything generated after the prompt so far (Continue appends), its tail if longer than CONTEXT_MAX. */
  text: z.string().max(CONTEXT_MAX),
  temp: Temp,
  length: Length,
  /** The model that wrote it, kept by Again, Cooler, Hotter and Continue (absent: the default model). */
  model: ModelRef.optional(),
});
export type ResultState = z.infer<typeof ResultState>;

/** `model`: the name of the model that wrote this entry, revealed at the end (absent: the round's model). */
export const RoundEntry = z.object({ label: Label, temp: Temp, seed: Seed, text: z.string().max(LIMITS.lengthMax), model: z.string().max(100).optional() });
export type RoundEntry = z.infer<typeof RoundEntry>;

export const RoundState = z.object({
  id: Id,
  target: Target,
  requester: Actor,
  prompt: z.string().max(LIMITS.promptMax * 2),
  model: z.string().max(100),
  length: Length,
  entries: z.array(RoundEntry).min(LIMITS.roundTempsMin).max(LIMITS.roundTempsMax),
  /** Epoch ms when voting closes and the reveal job runs. */
  endsAt: z.number().int().positive(),
});
export type RoundState = z.infer<typeof RoundState>;

export const ChannelDefaults = z.object({ temp: Temp.optional(), length: Length.optional(), model: z.string().min(1).max(100).optional() });
export type ChannelDefaults = z.infer<typeof ChannelDefaults>;

/** Keys, relative to the store's prefix. */
export const keys = {
  result: (ref: string) => `result:${ref}`,
  /** The HTTP front door's record of one delivery: 'pending', then its answer (a repeat gets the same). */
  delivery: (interactionId: string) => `delivery:${interactionId}`,
  round: (id: string) => `round:${id}`,
  roundVotes: (id: string) => `round:${id}:votes`,
  roundOver: (id: string) => `round:${id}:over`,
  channelDefaults: (channelId: string) => `channel:${channelId}:defaults`,
  userCooldown: (userId: string) => `cooldown:user:${userId}`,
  channelCooldown: (channelId: string) => `cooldown:channel:${channelId}`,
  /** Set once part `part` of a reply of this kind has been posted for this interaction (re-runs skip it). */
  posted: (interactionId: string, kind: string, part: number) => `posted:${interactionId}:${kind}:${part}`,
  /** Set before part `part` is first sent: a re-run that finds it (and no `posted`) cannot know whether the send got through. */
  posting: (interactionId: string, kind: string, part: number) => `posting:${interactionId}:${kind}:${part}`,
};
