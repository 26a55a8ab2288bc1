/**
 * /why-colon — why does the model follow ':' with a newline or a space? A worker works it out from the
 * weights (see src/explain) and answers with a summary and a chart.
 */
import { SlashCommandBuilder } from 'discord.js';
import type { SlashCommand } from '../src/bot/command.ts';
import type { CommandContext, Services } from '../src/bot/context.ts';
import { enqueueThenDefer, replyTarget } from '../src/bot/enqueue.ts';

export const data = new SlashCommandBuilder()
  .setName('why-colon')
  .setDescription("Which of the model's weights make a colon be followed by a newline or a space?")
  .toJSON();

export async function execute(ctx: CommandContext, svc: Services): Promise<void> {
  await enqueueThenDefer(ctx, svc, { name: 'why-colon', data: { target: replyTarget(ctx), requester: ctx.user } });
}

export const command: SlashCommand = { data, execute };
