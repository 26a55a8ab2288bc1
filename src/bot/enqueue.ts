/**
 * The path every model job takes from the bot: cooldown check, deferral, enqueue. Redis trouble
 * never leaves an interaction hanging: before the deferral it becomes an ephemeral "busy"; after it,
 * the placeholder is replaced by the same notice.
 */
import { cooldownMessage, takeCooldown } from '../bard/cooldown.ts';
import type { Target } from '../bard/state.ts';
import type { Job } from '../queue/jobs.ts';
import type { InteractionContext, Services } from './context.ts';

export const BUSY = 'Bard is busy right now (the job queue is unavailable). Please try again shortly.';

/** Runs a store read before the deferral; on failure answers "busy" and returns undefined. */
export async function orBusy<T>(ctx: InteractionContext, svc: Services, work: () => Promise<T>): Promise<{ value: T } | undefined> {
  try {
    return { value: await work() };
  } catch (e) {
    svc.log.warn({ err: (e as Error).message, interaction: ctx.id }, 'store unavailable; answered busy');
    await ctx.replyEphemeral(BUSY);
    return undefined;
  }
}

/** Where a worker answers this interaction: its deferred reply, or its channel once the token is dead. */
export function replyTarget(ctx: InteractionContext): Target {
  return { interactionId: ctx.id, token: ctx.token, channelId: ctx.channelId };
}

export async function deferAndEnqueue(ctx: InteractionContext, svc: Services, job: Job): Promise<boolean> {
  const verdict = await orBusy(ctx, svc, () => takeCooldown(svc.store, svc.settings.cooldown, ctx.user.id, ctx.channelId));
  if (!verdict) return false;
  if (!verdict.value.ok) {
    await ctx.replyEphemeral(cooldownMessage(verdict.value, svc.now()));
    return false;
  }
  await ctx.defer();
  try {
    await svc.producer.add(job);
    return true;
  } catch (e) {
    svc.log.warn({ err: (e as Error).message, interaction: ctx.id }, 'enqueue failed after deferral; answered busy');
    await ctx.abandon(BUSY);
    return false;
  }
}
