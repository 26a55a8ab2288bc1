import { commands } from '../../commands/index.ts';
import { parseButtonId } from '../bard/custom-ids.ts';
import type { AutocompleteContext, ButtonContext, CommandContext, Services } from './context.ts';

/** What a user sees when a handler fails before answering. */
export const SORRY = 'Sorry, that did not work. Please try again.';

/** Sends a slash command to its handler. */
export async function routeCommand(ctx: CommandContext, svc: Services): Promise<void> {
  const cmd = commands.find((c) => c.data.name === ctx.command);
  if (!cmd) return ctx.replyEphemeral(`Bard does not know /${ctx.command} (yet).`);
  await cmd.execute(ctx, svc);
}

/** Sends a button press to the command whose message carries it. */
export async function routeButton(ctx: ButtonContext, svc: Services): Promise<void> {
  const id = parseButtonId(ctx.customId);
  const cmd = id && commands.find((c) => c.button?.kind === id.kind);
  if (!id || !cmd?.button) return ctx.replyEphemeral('This button does not work any more.');
  await cmd.button.press(ctx, id, svc);
}

/** Answers an autocomplete interaction from the command's own suggestions (none when it has no such option). */
export async function routeAutocomplete(ctx: AutocompleteContext, svc: Services): Promise<void> {
  const cmd = commands.find((c) => c.data.name === ctx.command);
  const choices = cmd?.autocomplete ? cmd.autocomplete(ctx, svc) : [];
  // Discord's limits: at most 25 choices, names and values of 1–100 characters.
  await ctx.respondAutocomplete(choices.slice(0, 25).map((c) => ({ name: c.name.slice(0, 100) || c.value.slice(0, 100), value: c.value.slice(0, 100) })));
}
