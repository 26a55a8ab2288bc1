/**
 * The path every model job takes from a front door: cooldown check, enqueue, then the deferral.
 * The job is in Redis before Discord hears "thinking…", so a front door that dies between the two
 * leaves a job that a worker still answers (its first edit waits for, or goes around, the missing
 * deferral), never a "thinking…" with nothing behind it. Redis trouble becomes an ephemeral "busy".
 */
import { cooldownMessage, takeCooldown } from '../bard/cooldown.ts';
import type { Target } from '../bard/state.ts';
import type { Job } from '../queue/jobs.ts';
import type { InteractionContext, Services } from './context.ts';

export const BUSY = 'Bard is busy right now (the job queue is unavailable). Please try again shortly.';

/** Runs a Redis step before the deferral (a store read, the enqueue); on failure answers "busy" and returns undefined. */
export async function orBusy<T>(ctx: InteractionContext, svc: Services, work: () => Promise<T>): Promise<{ value: T } | undefined> {
  try {
    return { value: await work() };
  } catch (e) {
    svc.log.warn({ err: (e as Error).message, interaction: ctx.id }, 'redis unavailable; answered busy');
    await ctx.replyEphemeral(BUSY);
    return undefined;
  }
}

/** Where a worker answers this interaction: its deferred reply, or its channel once the token is dead. */
export function replyTarget(ctx: InteractionContext): Target {
  return { interactionId: ctx.id, token: ctx.token, channelId: ctx.channelId };
}

export async function enqueueThenDefer(ctx: InteractionContext, svc: Services, job: Job): Promise<boolean> {
  if (!ctx.redelivered) {
    const verdict = await orBusy(ctx, svc, () => takeCooldown(svc.store, svc.settings.cooldown, ctx.user.id, ctx.channelId));
    if (!verdict) return false;
    if (!verdict.value.ok) {
      await ctx.replyEphemeral(cooldownMessage(verdict.value, svc.now()));
      return false;
    }
  }
  const queued = await orBusy(ctx, svc, () => svc.producer.add(job));
  if (!queued) return false;
  await ctx.defer();
  return true;
}
