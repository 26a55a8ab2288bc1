import type { RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord-api-types/v10';
import type { ButtonId } from '../bard/custom-ids.ts';
import type { AutocompleteContext, ButtonContext, Choice, CommandContext, Services } from './context.ts';

/** A slash command, as the discord.js guide lays them out: its definition and its handlers. */
export interface SlashCommand {
  data: RESTPostAPIChatInputApplicationCommandsJSONBody;
  execute(ctx: CommandContext, svc: Services): Promise<void>;
  /** The kind of button (see custom-ids.ts) this command's messages carry, and what a press does. */
  /** Suggestions for the option being typed (synchronous: Discord wants them within 3 s). */
  autocomplete?(ctx: AutocompleteContext, svc: Services): Choice[];
  button?: { kind: ButtonId['kind']; press(ctx: ButtonContext, id: ButtonId, svc: Services): Promise<void> };
}
