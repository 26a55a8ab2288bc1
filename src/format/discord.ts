/**
 * Reply → Discord messages. Every message: ≤ 2000 characters, allowed_mentions {parse: []}, user and
 * model text escaped. A long completion is split on line boundaries into follow-ups; the buttons go
 * under the last one.
 */
import type { APIActionRowComponent, APIButtonComponent } from 'discord-api-types/v10';
import { ButtonStyle, ComponentType } from 'discord-api-types/v10';
import { LIMITS } from '../bard/limits.ts';
import { pressId, voteId } from '../bard/custom-ids.ts';
import type { CompletionReply, ExplanationReply, Reply, RoundReply, RoundResultReply } from '../bard/replies.ts';
import { formatTemp, PRESS_ACTIONS, TEMP_STEP } from '../bard/temperature.ts';
import { cleanText, escapeMarkdown } from './escape.ts';
import { keepHead, keepTail, splitMessage, type Range } from './split.ts';

export interface DiscordMessage {
  content: string;
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: { parse: [] };
  files?: { name: string; data: Uint8Array; contentType?: string }[];
}

const MAX = LIMITS.messageMax;
/** The echoed prompt never takes more than this (escaped), so it always fits in the first message. */
const PROMPT_BUDGET = 1200;
const ROUND_PROMPT_BUDGET = 300;

export function renderDiscord(reply: Reply): DiscordMessage[] {
  switch (reply.kind) {
    case 'completion':
      return renderCompletion(reply);
    case 'round':
      return [message(renderRound(reply), [voteRow(reply)])];
    case 'round-result':
      return [message(renderRoundResult(reply), [])];
    case 'notice':
      return [message(keepHead(cleanText(reply.text), MAX), [])];
    case 'explanation':
      return renderExplanation(reply);
  }
}

function message(content: string, components: DiscordMessage['components']): DiscordMessage {
  return { content, components, allowed_mentions: { parse: [] } };
}

const mention = (id: string) => `<@${id}>`;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Escapes raw text and shortens it (before escaping, so no escape is cut in half) until it fits the budget. */
export function fitEscaped(raw: string, budget: number, keep: 'head' | 'tail'): string {
  let n = raw.length;
  for (;;) {
    const cut = n >= raw.length ? raw : keep === 'tail' ? keepTail(raw, n) : keepHead(raw, n);
    const escaped = escapeMarkdown(cut);
    if (escaped.length <= budget || n <= 1) return escaped;
    // Shrink in proportion to the overshoot (escapes make the escaped text up to twice as long).
    n = Math.max(1, Math.min(n - 1, Math.floor((n * budget) / escaped.length)));
  }
}

const ACTION_WORD = { again: 'Again', cooler: 'Cooler', hotter: 'Hotter', continue: 'Continue' } as const;

function clampNote(clamped: 'min' | 'max' | null, temp: number): string {
  if (clamped === 'min') return ` (clamped: ${formatTemp(temp)} is the coolest Bard goes)`;
  if (clamped === 'max') return ` (clamped: ${formatTemp(temp)} is the hottest Bard goes)`;
  return '';
}

function completionHeader(r: CompletionReply): string {
  if (!r.press) return `${mention(r.author.id)} · temperature ${formatTemp(r.temp)}`;
  const { by, action, clamped } = r.press;
  const whose = by.id === r.author.id ? 'their' : `${mention(r.author.id)}'s`;
  return `${mention(by.id)} pressed **${ACTION_WORD[action]}** on ${whose} prompt · temperature ${formatTemp(r.temp)}${clampNote(clamped, r.temp)}`;
}

export function completionFooter(r: CompletionReply): string {
  const dropped = r.dropped > 0 ? ` · ${plural(r.dropped, 'character')} of the prompt unknown to the model, skipped` : '';
  return `-# temperature ${formatTemp(r.temp)} · ${plural(r.length, 'character')} · seed ${r.seed} · model ${cleanText(r.model)}${dropped}`;
}

function renderCompletion(r: CompletionReply): DiscordMessage[] {
  const header = completionHeader(r);
  // Continue shows the end of the text it extends; the others show the user's prompt. Bold marks it.
  const shown = r.press?.action === 'continue' ? fitEscaped(r.press.previousTail ?? r.prompt, 400, 'tail') : fitEscaped(r.prompt, PROMPT_BUDGET, 'tail');
  const bold = shown === '' ? '' : `**${shown}**`;
  const head = `${header}\n`;
  const body = escapeMarkdown(r.continuation);
  const text = `${head}${bold}${body}\n${completionFooter(r)}`;
  const protect: Range[] = [{ start: head.length, end: head.length + bold.length }];
  const parts = splitMessage(text, MAX, protect);
  return parts.map((content, i) => message(content, i === parts.length - 1 ? [pressRow(r.ref)] : []));
}

function pressRow(ref: string): APIActionRowComponent<APIButtonComponent> {
  const label = { again: '🔁 Again', cooler: `❄️ Cooler ÷${TEMP_STEP}`, hotter: `🔥 Hotter ×${TEMP_STEP}`, continue: '➡️ Continue' } as const;
  return {
    type: ComponentType.ActionRow,
    components: PRESS_ACTIONS.map((a) => ({ type: ComponentType.Button, style: a === 'continue' ? ButtonStyle.Primary : ButtonStyle.Secondary, label: label[a], custom_id: pressId(a, ref) })),
  };
}

function voteRow(r: RoundReply): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: r.entries.map((e) => ({ type: ComponentType.Button, style: ButtonStyle.Primary, label: `Vote ${e.label}`, custom_id: voteId(r.id, e.label) })),
  };
}

/** Lays out a round: a header, the prompt, then each entry under its label, each entry shortened evenly if needed. */
function layoutRound(header: string, prompt: string, entries: { title: string; text: string }[], footer: string): string {
  const shownPrompt = `**${fitEscaped(prompt, ROUND_PROMPT_BUDGET, 'tail')}**`;
  const fixed = header.length + shownPrompt.length + footer.length + entries.reduce((n, e) => n + e.title.length + 4, 0) + 4;
  const share = Math.floor((MAX - fixed) / entries.length);
  const blocks = entries.map((e) => `${e.title}\n${fitEscaped(e.text.replace(/^\n+/, ''), share, 'head')}`);
  return [header, shownPrompt, ...blocks.map((b) => `\n${b}`), footer].join('\n').slice(0, MAX);
}

function renderRound(r: RoundReply): string {
  const closes = Math.ceil(r.endsAt / 1000);
  const header = `${mention(r.author.id)} started a round: which continuation is best? Voting closes <t:${closes}:R>.`;
  const footer = `-# One vote each, and you may change it. Temperatures are revealed at the end · ${plural(r.length, 'character')} each · model ${cleanText(r.model)}`;
  return layoutRound(header, r.prompt, r.entries.map((e) => ({ title: `**${e.label}**`, text: e.text })), footer);
}

function renderRoundResult(r: RoundResultReply): string {
  const byLabel = new Map(r.entries.map((e) => [e.label, e]));
  // A round across models reveals each entry's model with its temperature.
  const acrossModels = new Set(r.entries.map((e) => e.model)).size > 1;
  const played = (e: { temp: number; model: string }) => `${acrossModels ? `${cleanText(e.model)}, ` : ''}temperature ${formatTemp(e.temp)}`;
  const describe = (l: string) => `**${l}** (${played(byLabel.get(l as never)!)})`;
  let verdict: string;
  if (r.winners.length === 0) verdict = 'Nobody voted.';
  else if (r.winners.length === 1) verdict = `The winner is ${describe(r.winners[0])} with ${byLabel.get(r.winners[0])!.votes} of ${plural(r.voters, 'vote')}.`;
  else verdict = `A tie between ${r.winners.map(describe).join(' and ')}, ${plural(byLabel.get(r.winners[0])!.votes, 'vote')} each.`;
  const header = `${mention(r.author.id)}'s round is over. ${verdict}`;
  const footer = `-# ${plural(r.voters, 'voter')} · model ${cleanText(r.model)}`;
  const entries = r.entries.map((e) => ({
    title: `**${e.label}** · ${played(e)} · ${plural(e.votes, 'vote')}${r.winners.includes(e.label) ? ' 🏆' : ''}`,
    text: e.text,
  }));
  return layoutRound(header, r.prompt, entries, footer);
}

function renderExplanation(r: ExplanationReply): DiscordMessage[] {
  const header = `${mention(r.requester.id)} asked ${r.question} (model ${cleanText(r.model)}):\n`;
  const parts = splitMessage(`${header}${cleanText(r.text)}`, MAX);
  return parts.map((content, i) => {
    const m = message(content, []);
    if (i === 0 && r.image) m.files = [{ name: r.image.name, data: r.image.data, contentType: 'image/png' }];
    return m;
  });
}
