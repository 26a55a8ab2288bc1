/**
 * /bard-round prompt:<text> temps:<2–4 values> [seconds] — one continuation per temperature in one
 * message, labelled A–D with the temperatures hidden. Members vote with buttons (one vote each, which
 * they may change); when the time is up a delayed job reveals temperatures, votes and the winner.
 */
import { SlashCommandBuilder } from 'discord.js';
import { readChannelDefaults } from '../src/bard/channel-defaults.ts';
import type { ButtonId } from '../src/bard/custom-ids.ts';
import { DEFAULTS, LIMITS, roundLength } from '../src/bard/limits.ts';
import { parseRoundOptions } from '../src/bard/options.ts';
import { keys, RoundState } from '../src/bard/state.ts';
import type { SlashCommand } from '../src/bot/command.ts';
import type { ButtonContext, CommandContext, Services } from '../src/bot/context.ts';
import { enqueueThenDefer, orBusy, replyTarget } from '../src/bot/enqueue.ts';
import { getJson } from '../src/store/store.ts';

export const data = new SlashCommandBuilder()
  .setName('bard-round')
  .setDescription('A round: Bard continues your text at several temperatures; everyone votes for the best')
  .addStringOption((o) => o.setName('prompt').setDescription('The text to continue').setRequired(true).setMaxLength(LIMITS.promptMax))
  .addStringOption((o) =>
    o
      .setName('temps')
      .setDescription(`${LIMITS.roundTempsMin}–${LIMITS.roundTempsMax} temperatures, e.g. "0.3 0.8 1.5"`)
      .setRequired(true)
      .setMaxLength(60),
  )
  .addIntegerOption((o) =>
    o
      .setName('seconds')
      .setDescription(`How long voting lasts (default ${LIMITS.roundSecondsDefault})`)
      .setMinValue(LIMITS.roundSecondsMin)
      .setMaxValue(LIMITS.roundSecondsMax),
  )
  .toJSON();

export async function execute(ctx: CommandContext, svc: Services): Promise<void> {
  const opts = parseRoundOptions(ctx.options, svc.settings.roundMinSeconds);
  if (!opts.ok) return ctx.replyEphemeral(opts.error);
  const defaults = await orBusy(ctx, svc, () => readChannelDefaults(svc.store, ctx.channelId));
  if (!defaults) return;
  const { prompt, temps, seconds } = opts.value;
  await enqueueThenDefer(ctx, svc, {
    name: 'round',
    data: {
      target: replyTarget(ctx),
      channelId: ctx.channelId,
      author: ctx.user,
      prompt,
      temps,
      seconds,
      length: roundLength(defaults.value.length ?? DEFAULTS.length, temps.length),
      seed: svc.seed(),
    },
  });
}

/** A vote: answered by the bot itself (a store write, no model), visible only to the voter. */
export async function press(ctx: ButtonContext, id: ButtonId, svc: Services): Promise<void> {
  if (id.kind !== 'vote') return;
  const read = await orBusy(ctx, svc, async () => {
    const [round, over, votes] = await Promise.all([
      getJson(svc.store, keys.round(id.roundId)),
      svc.store.get(keys.roundOver(id.roundId)),
      svc.store.hashGetAll(keys.roundVotes(id.roundId)),
    ]);
    return { round: RoundState.safeParse(round), over: over !== null, previous: votes[ctx.user.id] };
  });
  if (!read) return;
  const { round, over, previous } = read.value;
  if (!round.success) return ctx.replyEphemeral('This round is over.');
  if (over || svc.now() >= round.data.endsAt) return ctx.replyEphemeral('Voting for this round has closed.');
  if (!round.data.entries.some((e) => e.label === id.label)) return ctx.replyEphemeral(`There is no ${id.label} in this round.`);
  const ttl = round.data.endsAt - svc.now() + svc.settings.stateTtlMs;
  const saved = await orBusy(ctx, svc, () => svc.store.hashSet(keys.roundVotes(id.roundId), ctx.user.id, id.label, ttl));
  if (!saved) return;
  const change = previous && previous !== id.label ? ` (instead of ${previous})` : '';
  await ctx.replyEphemeral(`You voted for **${id.label}**${change}. You may change it until voting closes <t:${Math.ceil(round.data.endsAt / 1000)}:R>.`);
}

export const command: SlashCommand = { data, execute, button: { kind: 'vote', press } };
