/**
 * /bard-models [public] — the models Bard serves, with their card fields (size, vocabulary, characters
 * trained, validation loss, file and hash). Answered by the bot at once: only to you, or to the channel.
 */
import { SlashCommandBuilder } from 'discord.js';
import { readChannelDefaults } from '../src/bard/channel-defaults.ts';
import { modelsList } from '../src/bard/models.ts';
import type { SlashCommand } from '../src/bot/command.ts';
import type { CommandContext, Services } from '../src/bot/context.ts';
import { orBusy } from '../src/bot/enqueue.ts';

export const data = new SlashCommandBuilder()
  .setName('bard-models')
  .setDescription('The models Bard can write with, their size and how well they score')
  .addBooleanOption((o) => o.setName('public').setDescription('Show the list to the whole channel (default: only to you)'))
  .toJSON();

export async function execute(ctx: CommandContext, svc: Services): Promise<void> {
  const defaults = await orBusy(ctx, svc, () => readChannelDefaults(svc.store, ctx.channelId));
  if (!defaults) return;
  const here = (defaults.value.model && svc.models.find(defaults.value.model)?.card.name) || svc.models.default.card.name;
  const text = modelsList(svc.models, here);
  if (ctx.options.public === true || ctx.options.public === 'true') await ctx.replyPublic(text);
  else await ctx.replyEphemeral(text);
}

export const command: SlashCommand = { data, execute };
