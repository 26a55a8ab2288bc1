/**
 * /bard-round prompt:<text> temps:<values> [models:<names>] [seconds] — one continuation per entry in one
 * message, labelled A–D with the temperatures (and models) hidden: 2–4 temperatures, or 2–4 models (with one
 * temperature for all, or one each). Members vote with buttons (one vote each, which they may change); when
 * the time is up a delayed job reveals the temperatures, the models, the votes and the winner.
 */
import { SlashCommandBuilder } from 'discord.js';
import { readChannelDefaults } from '../src/bard/channel-defaults.ts';
import type { ButtonId } from '../src/bard/custom-ids.ts';
import { DEFAULTS, LIMITS, roundLength } from '../src/bard/limits.ts';
import { checkModel, refOf } from '../src/bard/models.ts';
import { pairRound, parseRoundOptions } from '../src/bard/options.ts';
import type { RegisteredModel } from '../src/models/registry.ts';
import { keys, RoundState } from '../src/bard/state.ts';
import type { SlashCommand } from '../src/bot/command.ts';
import type { ButtonContext, CommandContext, Services } from '../src/bot/context.ts';
import { enqueueThenDefer, orBusy, replyTarget } from '../src/bot/enqueue.ts';
import { suggestModels } from '../src/bot/model-option.ts';
import { getJson } from '../src/store/store.ts';

export const data = new SlashCommandBuilder()
  .setName('bard-round')
  .setDescription('A round: Bard continues your text at several temperatures or with several models; everyone votes')
  .addStringOption((o) => o.setName('prompt').setDescription('The text to continue').setRequired(true).setMaxLength(LIMITS.promptMax))
  .addStringOption((o) =>
    o
      .setName('temps')
      .setDescription(`${LIMITS.roundTempsMin}–${LIMITS.roundTempsMax} temperatures, e.g. "0.3 0.8 1.5" (with models: one for all, or one each)`)
      .setMaxLength(60),
  )
  .addStringOption((o) =>
    o.setName('models').setDescription(`${LIMITS.roundTempsMin}–${LIMITS.roundTempsMax} models for a blind round across models, e.g. "bard-h768 char-rnn-snapshot"`).setAutocomplete(true).setMaxLength(250),
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
  const channelModel = checkModel(svc.models, undefined, defaults.value.model);
  if (!channelModel.ok) return ctx.replyEphemeral(channelModel.error);
  const models: RegisteredModel[] = [];
  for (const name of opts.value.models ?? []) {
    const m = checkModel(svc.models, name);
    if (!m.ok) return ctx.replyEphemeral(m.error);
    models.push(m.value);
  }
  const entries = pairRound(temps, models.length ? models : null, defaults.value.temp ?? DEFAULTS.temp, channelModel.value);
  if (!entries.ok) return ctx.replyEphemeral(entries.error);
  await enqueueThenDefer(ctx, svc, {
    name: 'round',
    data: {
      target: replyTarget(ctx),
      channelId: ctx.channelId,
      author: ctx.user,
      prompt,
      temps: entries.value.map((e) => e.temp),
      models: entries.value.map((e) => refOf(e.model.card)),
      seconds,
      length: roundLength(defaults.value.length ?? DEFAULTS.length, entries.value.length),
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

export const command: SlashCommand = { data, execute, autocomplete: suggestModels, button: { kind: 'vote', press } };
