/**
 * /bard-config [temp] [length] [model] [reset] — this channel's defaults for /bard (and round lengths); the
 * model is also the default of /bard-round, /why-colon and /why.
 * Needs the Manage Channels permission; anyone else gets an ephemeral refusal.
 */
import { InteractionContextType, PermissionFlagsBits, SlashCommandBuilder } from 'discord.js';
import { readChannelDefaults, writeChannelDefaults } from '../src/bard/channel-defaults.ts';
import { DEFAULTS, LIMITS } from '../src/bard/limits.ts';
import { checkModel } from '../src/bard/models.ts';
import { parseConfigOptions } from '../src/bard/options.ts';
import { formatTemp } from '../src/bard/temperature.ts';
import type { SlashCommand } from '../src/bot/command.ts';
import type { CommandContext, Services } from '../src/bot/context.ts';
import { orBusy } from '../src/bot/enqueue.ts';
import { modelOption, suggestModels } from '../src/bot/model-option.ts';

export const data = new SlashCommandBuilder()
  .setName('bard-config')
  .setDescription("Set this channel's default temperature, length and model for /bard")
  .setDefaultMemberPermissions(PermissionFlagsBits.ManageChannels)
  .setContexts(InteractionContextType.Guild)
  .addNumberOption((o) => o.setName('temp').setDescription('Default temperature').setMinValue(LIMITS.tempMin).setMaxValue(LIMITS.tempMax))
  .addIntegerOption((o) => o.setName('length').setDescription('Default length in characters').setMinValue(LIMITS.lengthMin).setMaxValue(LIMITS.lengthMax))
  .addStringOption(modelOption('Default model (see /bard-models)'))
  .addBooleanOption((o) => o.setName('reset').setDescription('Forget the defaults (applied before the others)'))
  .toJSON();

export const REFUSAL = "You need the Manage Channels permission to change Bard's defaults for this channel.";

export async function execute(ctx: CommandContext, svc: Services): Promise<void> {
  if (!ctx.canManageChannels) return ctx.replyEphemeral(REFUSAL);
  const opts = parseConfigOptions(ctx.options);
  if (!opts.ok) return ctx.replyEphemeral(opts.error);
  const { temp, length, reset } = opts.value;
  let model: string | undefined;
  if (opts.value.model !== undefined) {
    const found = checkModel(svc.models, opts.value.model);
    if (!found.ok) return ctx.replyEphemeral(found.error);
    model = found.value.card.name;
  }
  const changed = reset || temp !== undefined || length !== undefined || model !== undefined;
  const done = await orBusy(ctx, svc, async () => {
    const current = reset ? {} : await readChannelDefaults(svc.store, ctx.channelId);
    const next = { ...current, ...(temp !== undefined && { temp }), ...(length !== undefined && { length }), ...(model !== undefined && { model }) };
    if (changed) await writeChannelDefaults(svc.store, ctx.channelId, next);
    return next;
  });
  if (!done) return;
  const next = done.value;
  const t = next.temp !== undefined ? formatTemp(next.temp) : `${DEFAULTS.temp} (Bard's default)`;
  const l = next.length !== undefined ? String(next.length) : `${DEFAULTS.length} (Bard's default)`;
  const m = next.model !== undefined ? next.model : `${svc.models.default.card.name} (Bard's default)`;
  await ctx.replyEphemeral(`${changed ? 'Saved. ' : ''}In this channel /bard uses temperature ${t} and length ${l}, with the model ${m}, when they are not given.`);
}

export const command: SlashCommand = { data, execute, autocomplete: suggestModels };
