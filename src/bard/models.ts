/**
 * The `model:` option of the commands, checked against the registry before any deferral, so a wrong name
 * is an ephemeral answer that lists the right ones; and the autocomplete suggestions for it.
 */
import { shortCard, type ModelCard, type ModelRegistry, type RegisteredModel } from '../models/registry.ts';
import { LIMITS } from './limits.ts';
import type { Checked } from './options.ts';
import type { ModelRef } from './state.ts';

/** Discord shows at most this many autocomplete choices. */
export const CHOICES_MAX = 25;

export function refOf(card: ModelCard): ModelRef {
  return { name: card.name, hash: card.hash };
}

/** "bard-h768 (H 768, loss 1.520), char-rnn-snapshot (H 250)". */
export function modelNames(models: ModelRegistry): string {
  return models.cards.map((c) => `\`${c.name}\` (H ${c.H}${c.valLoss === null ? '' : `, loss ${c.valLoss.toFixed(3)}`})`).join(', ');
}

/**
 * The model a command runs on: the one typed, else the channel's default, else the registry's default.
 * An unknown name (typed, or a channel default no longer served) is an error that lists the models.
 */
export function checkModel(models: ModelRegistry, typed: unknown, channelDefault?: string): Checked<RegisteredModel> {
  const name = typeof typed === 'string' && typed.trim() !== '' ? typed.trim() : undefined;
  if (name === undefined && channelDefault === undefined) return { ok: true, value: models.default };
  const found = models.find(name ?? channelDefault!);
  if (found) return { ok: true, value: found };
  const what = name !== undefined ? `There is no model \`${name.slice(0, 100)}\`` : `This channel's default model \`${channelDefault}\` is not served any more (/bard-config model: picks another)`;
  return { ok: false, error: `${what}. Models: ${modelNames(models)}.` };
}

/** Autocomplete: the models whose name contains what was typed (those starting with it first), ≤ 25. */
export function modelChoices(models: ModelRegistry, typed: string): { name: string; value: string }[] {
  const q = typed.trim().toLowerCase();
  const hits = models.cards.filter((c) => c.name.toLowerCase().includes(q));
  hits.sort((a, b) => Number(!a.name.toLowerCase().startsWith(q)) - Number(!b.name.toLowerCase().startsWith(q)));
  return hits.slice(0, CHOICES_MAX).map((c) => ({ name: shortCard(c), value: c.name }));
}

/** One model's card as a line of /bard-models. */
export function cardLine(c: ModelCard, isDefault: boolean): string {
  const parts = [`H ${c.H}`, `${c.V} characters`];
  if (c.charsTrained !== null) parts.push(`trained on ${millions(c.charsTrained)} characters`);
  parts.push(c.valLoss === null ? 'no validation loss recorded' : `validation loss ${c.valLoss.toFixed(4)} nats/char`);
  parts.push(`file ${c.file}`, `hash ${c.hash}`);
  return `**${c.name}**${isDefault ? ' (default here)' : ''} · ${parts.join(' · ')}`;
}

function millions(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e3 ? `${Math.round(n / 1e3)}k` : String(n);
}

/** /bard-models' answer, within one message. */
export function modelsList(models: ModelRegistry, channelDefault: string): string {
  const lines = models.cards.map((c) => cardLine(c, c.name === channelDefault));
  let text = `Bard serves ${models.cards.length === 1 ? 'one model' : `${models.cards.length} models`}; pick one with \`model:\` on /bard, /bard-round (models:), /why-colon and /why.\n${lines.join('\n')}`;
  if (text.length > LIMITS.messageMax) text = `${text.slice(0, LIMITS.messageMax - 2)} …`;
  return text;
}
