/**
 * /why-colon [model] — why does the model follow ':' with a newline or a space? A worker works it out from the
 * weights of the chosen model (see src/explain) and answers with three short lines, the detail and a chart.
 */
import { SlashCommandBuilder } from 'discord.js';
import { readChannelDefaults } from '../src/bard/channel-defaults.ts';
import { checkModel, refOf } from '../src/bard/models.ts';
import type { SlashCommand } from '../src/bot/command.ts';
import type { CommandContext, Services } from '../src/bot/context.ts';
import { enqueueThenDefer, orBusy, replyTarget } from '../src/bot/enqueue.ts';
import { modelOption, suggestModels } from '../src/bot/model-option.ts';

export const data = new SlashCommandBuilder()
  .setName('why-colon')
  .setDescription("Which of the model's weights make a colon be followed by a newline or a space?")
  .addStringOption(modelOption('Which model to look inside (default: this channel\'s)'))
  .toJSON();

export async function execute(ctx: CommandContext, svc: Services): Promise<void> {
  const defaults = await orBusy(ctx, svc, () => readChannelDefaults(svc.store, ctx.channelId));
  if (!defaults) return;
  const model = checkModel(svc.models, ctx.options.model, defaults.value.model);
  if (!model.ok) return ctx.replyEphemeral(model.error);
  await enqueueThenDefer(ctx, svc, { name: 'why-colon', data: { target: replyTarget(ctx), requester: ctx.user, model: refOf(model.value.card) } });
}

export const command: SlashCommand = { data, execute, autocomplete: suggestModels };
