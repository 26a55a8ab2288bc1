/**
 * Reply → plain text for `npm run play`. Same content as the Discord messages, without markdown:
 * the prompt, the continuation with its line breaks, the footer, and the buttons as words to type.
 */
import type { Reply } from '../bard/replies.ts';
import { formatTemp } from '../bard/temperature.ts';
import { cleanText } from './escape.ts';

export interface TerminalStyle {
  /** Marks the user's prompt (bold on a terminal, nothing when piped). */
  prompt: (s: string) => string;
  dim: (s: string) => string;
}

export const PLAIN: TerminalStyle = { prompt: (s) => s, dim: (s) => s };
export const ANSI: TerminalStyle = { prompt: (s) => `\x1b[1m${s}\x1b[22m`, dim: (s) => `\x1b[2m${s}\x1b[22m` };

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export function renderTerminal(reply: Reply, style: TerminalStyle = PLAIN): string {
  switch (reply.kind) {
    case 'completion': {
      const r = reply;
      const lines: string[] = [];
      if (r.press) {
        const clamp = r.press.clamped ? ` (clamped to the ${r.press.clamped === 'min' ? 'coolest' : 'hottest'}, ${formatTemp(r.temp)})` : '';
        lines.push(style.dim(`${r.press.by.name} pressed ${r.press.action} · temperature ${formatTemp(r.temp)}${clamp}`));
      }
      const shown = r.press?.action === 'continue' ? `…${(r.press.previousTail ?? '').slice(-200)}` : r.prompt;
      lines.push(`${style.prompt(cleanText(shown))}${cleanText(r.continuation)}`);
      const dropped = r.dropped > 0 ? ` · ${plural(r.dropped, 'prompt character')} unknown to the model, skipped` : '';
      lines.push(style.dim(`[temperature ${formatTemp(r.temp)} · ${plural(r.length, 'character')} · seed ${r.seed} · model ${r.model}${dropped}]`));
      lines.push(style.dim('buttons: again | cooler | hotter | continue'));
      return lines.join('\n');
    }
    case 'round': {
      const out = [`${reply.author.name} started a round. Continue: ${style.prompt(cleanText(reply.prompt))}`];
      for (const e of reply.entries) out.push(`\n[${e.label}]\n${cleanText(e.text.replace(/^\n+/, ''))}`);
      const secs = Math.max(0, Math.round((reply.endsAt - Date.now()) / 1000));
      out.push(style.dim(`\nVote with "vote A" (or "vote B as juliet" to play several people); the reveal comes in ${secs} s, or type "reveal".`));
      return out.join('\n');
    }
    case 'round-result': {
      const r = reply;
      const verdict =
        r.winners.length === 0 ? 'Nobody voted.' : r.winners.length === 1 ? `The winner is ${r.winners[0]}.` : `A tie between ${r.winners.join(' and ')}.`;
      const out = [`The round is over. ${verdict}`];
      const acrossModels = new Set(r.entries.map((e) => e.model)).size > 1;
      for (const e of r.entries) {
        const model = acrossModels ? `${e.model}, ` : '';
        out.push(`  ${e.label}: ${model}temperature ${formatTemp(e.temp)}, ${plural(e.votes, 'vote')}${r.winners.includes(e.label) ? '  <- winner' : ''}`);
      }
      return out.join('\n');
    }
    case 'notice':
      return cleanText(reply.text);
    case 'explanation':
      return `${reply.requester.name} asked ${reply.question} (model ${reply.model}):\n${cleanText(reply.text)}${reply.image ? style.dim(`\n[chart: ${reply.image.name}, ${reply.image.data.length} bytes]`) : ''}`;
  }
}
