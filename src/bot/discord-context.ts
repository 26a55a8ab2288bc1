/** discord.js interactions → the platform-neutral contexts the command handlers take. */
import { MessageFlags, PermissionFlagsBits, type AutocompleteInteraction, type ButtonInteraction, type ChatInputCommandInteraction } from 'discord.js';
import type { RawOptions } from '../bard/options.ts';
import type { AutocompleteContext, ButtonContext, CommandContext, InteractionContext } from './context.ts';

type Repliable = ChatInputCommandInteraction | ButtonInteraction;

const NO_MENTIONS = { parse: [] as [] };

function base(i: Repliable): InteractionContext {
  const member = i.member && 'displayName' in i.member ? i.member : null;
  const name = (member?.displayName ?? i.user.displayName ?? i.user.username).slice(0, 100) || 'someone';
  return {
    id: i.id,
    token: i.token,
    user: { id: i.user.id, name },
    channelId: i.channelId ?? `dm-${i.user.id}`,
    guildId: i.guildId,
    canManageChannels: i.inGuild() && (i.memberPermissions?.has(PermissionFlagsBits.ManageChannels) ?? false),
    async replyEphemeral(content) {
      if (i.deferred || i.replied) await i.followUp({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
      else await i.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: NO_MENTIONS });
    },
    async replyPublic(content) {
      await i.reply({ content, allowedMentions: NO_MENTIONS });
    },
    async defer() {
      await i.deferReply();
    },
  };
}

function rawOptions(data: readonly { name: string; value?: unknown }[]): RawOptions {
  const options: RawOptions = {};
  for (const o of data) {
    if (typeof o.value === 'string' || typeof o.value === 'number' || typeof o.value === 'boolean') options[o.name] = o.value;
  }
  return options;
}

export function commandContext(i: ChatInputCommandInteraction): CommandContext {
  return { ...base(i), command: i.commandName, options: rawOptions(i.options.data) };
}

export function buttonContext(i: ButtonInteraction): ButtonContext {
  return { ...base(i), customId: i.customId };
}

export function autocompleteContext(i: AutocompleteInteraction): AutocompleteContext {
  const focused = i.options.getFocused(true);
  return {
    id: i.id,
    command: i.commandName,
    focused: { name: focused.name, value: String(focused.value ?? '') },
    options: rawOptions(i.options.data),
    async respondAutocomplete(choices) {
      await i.respond(choices);
    },
  };
}
