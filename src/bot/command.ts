import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { ButtonId } from '../bard/custom-ids.ts';
import type { ButtonContext, CommandContext, Services } from './context.ts';

/** A slash command, as the discord.js guide lays them out: its definition and its handlers. */
export interface SlashCommand {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(ctx: CommandContext, svc: Services): Promise<void>;
  /** The kind of button (see custom-ids.ts) this command's messages carry, and what a press does. */
  button?: { kind: ButtonId['kind']; press(ctx: ButtonContext, id: ButtonId, svc: Services): Promise<void> };
}
