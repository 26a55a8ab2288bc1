/**
 * `npm run play`: Bard in a terminal, with no Discord token and no Redis. The same command handlers
 * and the same worker job code run in this process, over an in-memory store and queue; replies are
 * printed instead of posted. Reads commands from a terminal or from piped stdin (and exits at its end).
 */
import { createInterface } from 'node:readline';
import { commands } from '../../commands/index.ts';
import type { Reply } from '../bard/replies.ts';
import type { Target } from '../bard/state.ts';
import { pressId, voteId } from '../bard/custom-ids.ts';
import { LIMITS } from '../bard/limits.ts';
import { routeButton, routeCommand } from '../bot/router.ts';
import type { ButtonContext, InteractionContext, Services } from '../bot/context.ts';
import { loadConfigOrExit } from '../config.ts';
import { ANSI, PLAIN, renderTerminal } from '../format/terminal.ts';
import { silentLogger } from '../log.ts';
import { MemoryQueue } from '../queue/memory.ts';
import { loadRegistryOrExit } from '../models/startup.ts';
import { randomSeed } from '../rnn/rng.ts';
import { MemoryStore } from '../store/memory.ts';
import { inProcessExplainer } from '../worker/explain.ts';
import { inProcessGenerator } from '../worker/generate.ts';
import { runJob, type Poster } from '../worker/jobs.ts';
import { parseLine } from './parse.ts';

const config = loadConfigOrExit('play');
const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
const style = process.stdout.isTTY ? ANSI : PLAIN;
const out = (s: string) => process.stdout.write(`${s}\n`);

if (interactive) process.stderr.write(`Loading ${config.models}…\n`);
const log = silentLogger();
const models = loadRegistryOrExit('play', config, log);
// The job code resolves every model by name and hash first, so these only see names the registry has.
const modelNamed = (name: string | undefined) => (name === undefined ? models.default : models.find(name)!).model;

/** Discord markup in notices (timestamps, bold, code) → plain terminal text. */
function plainNotice(s: string): string {
  return s
    .replace(/<t:(\d+):R>/g, (_m, t: string) => `in ${Math.max(0, Math.round(Number(t) - Date.now() / 1000))} s`)
    .replace(/\*\*([^*]+)\*\*/g, '$1')
    .replace(/`([^`]+)`/g, '$1');
}

// What the latest messages were, so `again` and `vote A` know which buttons they press.
let lastResult: string | null = null;
let lastRound: string | null = null;

const terminalPoster: Poster = {
  async show(_target: Target, reply: Reply) {
    if (reply.kind === 'completion') lastResult = reply.ref;
    if (reply.kind === 'round') lastRound = reply.id;
    out(`\n${reply.kind === 'notice' ? plainNotice(reply.text) : renderTerminal(reply, style)}\n`);
  },
};

const queue = new MemoryQueue((job, e) => out(`(job ${job.name} failed: ${(e as Error).message})`));
const store = new MemoryStore();
const deps = {
  generate: inProcessGenerator(modelNamed),
  explain: inProcessExplainer(modelNamed),
  models,
  store,
  poster: terminalPoster,
  producer: queue,
  stateTtlMs: config.stateTtlMs,
  now: Date.now,
  log,
};
queue.setRunner((job) => runJob(job, deps));

const svc: Services = {
  store,
  producer: queue,
  models,
  // One person at a terminal: no cooldowns.
  settings: { ...config, cooldown: { ...config.cooldown, userJobs: 0, channelJobs: 0 } },
  log,
  now: Date.now,
  seed: randomSeed,
};

let counter = 0;
function context(user: string): InteractionContext {
  counter += 1;
  return {
    id: `play${Date.now()}x${counter}`,
    token: 'play',
    user: { id: user, name: user },
    channelId: 'terminal',
    guildId: 'terminal',
    canManageChannels: true,
    async replyEphemeral(content) {
      out(`(only you see this) ${plainNotice(content)}`);
    },
    async replyPublic(content) {
      out(plainNotice(content));
    },
    async defer() {},
  };
}

const optionNames = Object.fromEntries(commands.map((c) => [c.data.name, (c.data.options ?? []).map((o) => o.name)]));

const HELP = `Commands (as in Discord):
  /bard prompt:"ROMEO:" temp:0.5 length:200     continue a text (temp ${LIMITS.tempMin}–${LIMITS.tempMax}, length ${LIMITS.lengthMin}–${LIMITS.lengthMax}; model:NAME)
  /bard-round prompt:"JULIET:" temps:"0.3 0.8 1.5" seconds:60    (or models:"a b", with or without temps)
  /bard-config temp:0.6 length:250 model:NAME   this channel's defaults (reset:true forgets them)
  /bard-models                                  the models, with their size and loss
  /why-colon model:NAME                         why a colon is followed by a newline or a space
  /why after:"the q" next:u                     why the last character of after is followed by next
Buttons on the latest result: again | cooler | hotter | continue
Rounds: vote A (or: vote B as juliet) | reveal
help | quit`;

async function handle(line: string): Promise<boolean> {
  const p = parseLine(line, optionNames);
  switch (p.kind) {
    case 'empty':
      return true;
    case 'help':
      out(HELP);
      return true;
    case 'quit':
      return false;
    case 'error':
      out(p.message);
      return true;
    case 'reveal':
      if (queue.promoteAll() === 0) out('No round is waiting for its reveal.');
      break;
    case 'command':
      await routeCommand({ ...context('you'), command: p.name, options: p.options }, svc);
      break;
    case 'press':
      if (!lastResult) {
        out('Nothing to press yet: start with /bard prompt:"ROMEO:"');
        return true;
      }
      await routeButton({ ...context('you'), customId: pressId(p.action, lastResult) } satisfies ButtonContext, svc);
      break;
    case 'vote':
      if (!lastRound) {
        out('No round to vote in: start one with /bard-round prompt:"ROMEO:" temps:"0.3 1.2"');
        return true;
      }
      await routeButton({ ...context(p.as ?? 'you'), customId: voteId(lastRound, p.label as 'A') }, svc);
      break;
  }
  await queue.idle();
  return true;
}

const rl = createInterface({ input: process.stdin, output: interactive ? process.stdout : undefined, terminal: interactive });
if (interactive) {
  out(`Bard (models: ${models.cards.map((c) => c.name).join(', ')}). Type help for the commands, quit to leave.`);
  rl.setPrompt('bard> ');
  rl.prompt();
}
let quit = false;
for await (const line of rl) {
  if (!(await handle(line))) {
    quit = true;
    break;
  }
  if (interactive) rl.prompt();
}
rl.close();
// End of input: rounds still waiting are revealed now rather than after their timer.
if (!quit && queue.delayedCount > 0) {
  queue.promoteAll();
  await queue.idle();
}
process.exit(0);
