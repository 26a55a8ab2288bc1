/** The `model:` option every model command shares: its definition (autocompleted) and its suggestions. */
import type { SlashCommandStringOption } from 'discord.js';
import { modelChoices } from '../bard/models.ts';
import { MODEL_NAME_MAX } from '../models/registry.ts';
import type { AutocompleteContext, Choice, Services } from './context.ts';

export function modelOption(description = 'Which model writes it (default: this channel\'s)') {
  return (o: SlashCommandStringOption) => o.setName('model').setDescription(description).setAutocomplete(true).setMaxLength(MODEL_NAME_MAX);
}

/** Suggestions for `model:` (the registry's names, with H and loss); nothing for other options. */
export function suggestModels(ctx: AutocompleteContext, svc: Services): Choice[] {
  if (ctx.focused.name === 'models') {
    // models:"a b": complete the last word, keeping the ones before it.
    const words = ctx.focused.value.split(/\s+/);
    const last = words.pop() ?? '';
    const before = words.filter(Boolean).join(' ');
    return modelChoices(svc.models, last).map((c) => ({ name: `${before ? `${before} ` : ''}${c.name}`, value: `${before ? `${before} ` : ''}${c.value}` }));
  }
  return ctx.focused.name === 'model' ? modelChoices(svc.models, ctx.focused.value) : [];
}
