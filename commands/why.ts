/**
 * /why after:<text> next:<char> [model] — why does the model follow the last character of `after` with `next`?
 * The analysis of `bard why` (attribution to hidden units, the weights by name, ablation), on the chosen model,
 * with its chart. Bad input is an ephemeral answer before anything is queued.
 */
import { SlashCommandBuilder } from 'discord.js';
import { readChannelDefaults } from '../src/bard/channel-defaults.ts';
import { LIMITS } from '../src/bard/limits.ts';
import { checkModel, refOf } from '../src/bard/models.ts';
import type { Checked } from '../src/bard/options.ts';
import type { SlashCommand } from '../src/bot/command.ts';
import type { CommandContext, Services } from '../src/bot/context.ts';
import { enqueueThenDefer, orBusy, replyTarget } from '../src/bot/enqueue.ts';
import { modelOption, suggestModels } from '../src/bot/model-option.ts';
import { showChar, unescapeChars } from '../src/explain/index.ts';

export const data = new SlashCommandBuilder()
  .setName('why')
  .setDescription('Why does the model follow your text with a given character? Worked out from its weights')
  .addStringOption((o) => o.setName('after').setDescription('The text read first; its last character is the one asked about (\\n: newline)').setRequired(true).setMaxLength(LIMITS.promptMax))
  .addStringOption((o) => o.setName('next').setDescription('The character that follows (\\n newline, \\s space)').setRequired(true).setMaxLength(10))
  .addStringOption(modelOption('Which model to look inside (default: this channel\'s)'))
  .toJSON();

/** `after` and `next` as the model will read them (\n and \s typed as escapes, since Discord options are one line). */
export function checkWhy(raw: { after: unknown; next: unknown }, vocab: string, model: string): Checked<{ after: string; next: string }> {
  const after = typeof raw.after === 'string' ? unescapeChars(raw.after) : '';
  if (after.trim() === '') return { ok: false, error: 'Give the text to read first in `after`, e.g. `after:the q next:u`.' };
  const n = [...after].length;
  if (n > LIMITS.promptMax) return { ok: false, error: `\`after\` is too long: at most ${LIMITS.promptMax} characters, yours has ${n}.` };
  const next = typeof raw.next === 'string' ? unescapeChars(raw.next) : '';
  if ([...next].length !== 1) {
    return { ok: false, error: `\`next\` must be exactly one character (\\n for a newline, \\s for a space); you gave ${[...next].length}.` };
  }
  const known = new Set(vocab);
  // Sorted, so a reader finds a character where they expect it (the model's own order is arbitrary).
  const shown = [...vocab].sort().map(showChar).join('');
  const last = [...after].pop()!;
  if (!known.has(last)) return { ok: false, error: `The model ${model} does not know "${showChar(last)}", the last character of \`after\`. Its vocabulary: \`${shown}\`` };
  if (!known.has(next)) return { ok: false, error: `The model ${model} does not know "${showChar(next)}". Its vocabulary: \`${shown}\`` };
  return { ok: true, value: { after, next } };
}

export async function execute(ctx: CommandContext, svc: Services): Promise<void> {
  const defaults = await orBusy(ctx, svc, () => readChannelDefaults(svc.store, ctx.channelId));
  if (!defaults) return;
  const model = checkModel(svc.models, ctx.options.model, defaults.value.model);
  if (!model.ok) return ctx.replyEphemeral(model.error);
  const { card } = model.value;
  const q = checkWhy({ after: ctx.options.after, next: ctx.options.next }, card.vocab, card.name);
  if (!q.ok) return ctx.replyEphemeral(q.error);
  await enqueueThenDefer(ctx, svc, { name: 'why', data: { target: replyTarget(ctx), requester: ctx.user, model: refOf(card), after: q.value.after, next: q.value.next } });
}

export const command: SlashCommand = { data, execute, autocomplete: suggestModels };
