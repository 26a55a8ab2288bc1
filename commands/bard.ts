/**
 * /bard prompt:<text> [temp] [length] [model] — Bard continues the prompt with the chosen model (autocompleted). Its result carries the group-play
 * buttons: Again (new seed), Cooler (÷1.5), Hotter (×1.5), Continue (extend from where it stopped).
 * Anyone may press them; each press is a new job.
 */
import { SlashCommandBuilder } from 'discord.js';
import { readChannelDefaults } from '../src/bard/channel-defaults.ts';
import type { ButtonId } from '../src/bard/custom-ids.ts';
import { LIMITS } from '../src/bard/limits.ts';
import { checkModel, refOf } from '../src/bard/models.ts';
import { parseBardOptions } from '../src/bard/options.ts';
import { decodeResult } from '../src/bard/result-codec.ts';
import { keys } from '../src/bard/state.ts';
import { nextTemp } from '../src/bard/temperature.ts';
import type { SlashCommand } from '../src/bot/command.ts';
import type { ButtonContext, CommandContext, Services } from '../src/bot/context.ts';
import { enqueueThenDefer, orBusy, replyTarget } from '../src/bot/enqueue.ts';
import { modelOption, suggestModels } from '../src/bot/model-option.ts';

export const data = new SlashCommandBuilder()
  .setName('bard')
  .setDescription('Bard continues your text in the manner of Shakespeare')
  .addStringOption((o) => o.setName('prompt').setDescription('The text to continue, e.g. ROMEO:').setRequired(true).setMaxLength(LIMITS.promptMax))
  .addNumberOption((o) =>
    o.setName('temp').setDescription(`Temperature, from ${LIMITS.tempMin} (careful) to ${LIMITS.tempMax} (wild)`).setMinValue(LIMITS.tempMin).setMaxValue(LIMITS.tempMax),
  )
  .addIntegerOption((o) =>
    o.setName('length').setDescription(`Characters to write (${LIMITS.lengthMin}–${LIMITS.lengthMax})`).setMinValue(LIMITS.lengthMin).setMaxValue(LIMITS.lengthMax),
  )
  .addStringOption(modelOption())
  .toJSON();

export async function execute(ctx: CommandContext, svc: Services): Promise<void> {
  const defaults = await orBusy(ctx, svc, () => readChannelDefaults(svc.store, ctx.channelId));
  if (!defaults) return;
  const opts = parseBardOptions(ctx.options, defaults.value);
  if (!opts.ok) return ctx.replyEphemeral(opts.error);
  const model = checkModel(svc.models, ctx.options.model, defaults.value.model);
  if (!model.ok) return ctx.replyEphemeral(model.error);
  await enqueueThenDefer(ctx, svc, {
    name: 'complete',
    data: {
      target: replyTarget(ctx),
      channelId: ctx.channelId,
      author: ctx.user,
      prompt: opts.value.prompt,
      temp: opts.value.temp,
      length: opts.value.length,
      seed: svc.seed(),
      model: refOf(model.value.card),
    },
  });
}

/** Again / Cooler / Hotter / Continue on a result: the result's state is in the store under the button's ref. */
export async function press(ctx: ButtonContext, id: ButtonId, svc: Services): Promise<void> {
  if (id.kind !== 'press') return;
  const raw = await orBusy(ctx, svc, () => svc.store.getBytes(keys.result(id.ref)));
  if (!raw) return;
  const s = decodeResult(raw.value);
  if (!s) return ctx.replyEphemeral('These buttons have expired. Start again with /bard.');
  const change = nextTemp(s.temp, id.action);
  await enqueueThenDefer(ctx, svc, {
    name: 'complete',
    data: {
      target: replyTarget(ctx),
      channelId: ctx.channelId,
      author: s.author,
      prompt: s.prompt,
      temp: change.temp,
      length: s.length,
      seed: svc.seed(),
      // The very model (name and file) that wrote the result.
      model: s.model,
      press: { action: id.action, by: ctx.user, from: id.ref, clamped: change.clamped, previous: id.action === 'continue' ? s.text : undefined },
    },
  });
}

export const command: SlashCommand = { data, execute, autocomplete: suggestModels, button: { kind: 'press', press } };
