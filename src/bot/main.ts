/**
 * `npm run bot`: the discord.js gateway client, one of Bard's two front doors (the other is `npm run web`).
 * It validates each interaction, enqueues a BullMQ job and then answers within Discord's 3 s (a deferral,
 * or an ephemeral notice); it never runs the model.
 */
import { Client, Events, GatewayIntentBits, MessageFlags, Status, type Interaction } from 'discord.js';
import { loadConfigOrExit } from '../config.ts';
import { serveHealth } from '../observe/http.ts';
import { createLogger, logFatalErrors } from '../log.ts';
import { loadRegistryOrExit } from '../models/startup.ts';
import { autocompleteContext, buttonContext, commandContext } from './discord-context.ts';
import { routeAutocomplete, routeButton, routeCommand, SORRY } from './router.ts';
import { frontDoorServices } from './services.ts';
import { clientShardOptions, shardCloseReason } from './shards.ts';

const config = loadConfigOrExit('bot');
const log = createLogger('bard-bot', config.logLevel, [config.discordToken]);
logFatalErrors(log);

// The models the commands offer; a job names one with its file's hash, which the workers check.
const models = loadRegistryOrExit('bot', config, log);
const services = frontDoorServices(config, log, models);
const { svc } = services;

// discord.js's Client rereads SHARD_COUNT from the environment (its ShardingManager's contract) when its own shardCount
// is left at the default; ours is parsed above, and "auto" or "" would be read there as NaN or 0.
delete process.env.SHARD_COUNT;
const client = new Client({
  intents: [GatewayIntentBits.Guilds],
  ...clientShardOptions(config.shards),
  ...(config.discordApiUrl ? { rest: { api: config.discordApiUrl } } : {}),
});
log.info({ shards: config.shards.ids ?? 'all', shardCount: config.shards.count }, 'gateway shards');

/** Interactions being answered right now: a shutdown lets them finish. */
const inFlight = new Set<Promise<void>>();
let stopping = false;

client.on(Events.InteractionCreate, (i) => {
  if (stopping) return;
  const handled = handle(i);
  inFlight.add(handled);
  void handled.finally(() => inFlight.delete(handled));
});

async function handle(i: Interaction): Promise<void> {
  const started = Date.now();
  try {
    if (i.isChatInputCommand()) await routeCommand(commandContext(i), svc);
    else if (i.isButton()) await routeButton(buttonContext(i), svc);
    else if (i.isAutocomplete()) await routeAutocomplete(autocompleteContext(i), svc);
    else return;
    const kind = i.isButton() ? 'button' : i.isAutocomplete() ? 'autocomplete' : 'command';
    log.info({ interaction: i.id, kind, ms: Date.now() - started }, 'interaction answered');
  } catch (e) {
    log.error({ interaction: i.id, err: (e as Error).message }, 'interaction failed');
    if (i.isRepliable() && !i.replied && !i.deferred) {
      await i
        .reply({ content: SORRY, flags: MessageFlags.Ephemeral })
        .catch((err: Error) => log.warn({ interaction: i.id, err: err.message }, 'could not send the failure notice'));
    }
  }
}
client.once(Events.ClientReady, (c) =>
  log.info({ user: c.user.tag, queue: config.queueName, prefix: config.prefix, shards: [...c.ws.shards.keys()], shardCount: c.options.shardCount }, 'bot ready'),
);
client.on(Events.Error, (e) => log.error({ err: e.message }, 'discord client error'));
client.on(Events.ShardReady, (shard, unavailable) => log.info({ shard, shardCount: client.options.shardCount, unavailableGuilds: unavailable?.size ?? 0 }, 'shard ready'));
client.on(Events.ShardResume, (shard, replayed) => log.info({ shard, replayed }, 'shard resumed'));
client.on(Events.ShardReconnecting, (shard) => {
  if (!stopping) log.warn({ shard }, 'shard reconnecting');
});
client.on(Events.ShardError, (e, shard) => log.error({ shard, err: e.message }, 'shard error'));
// discord.js gives a shard up after these closes: its guilds would go unanswered, so stop and say why.
client.on(Events.ShardDisconnect, (event, shard) => {
  if (stopping) return;
  const reason = shardCloseReason(event.code);
  log.fatal({ shard, shardCount: client.options.shardCount, code: event.code, reason }, 'shard closed by Discord');
  process.stderr.write(`bard bot: Discord closed shard ${shard} (code ${event.code}): ${reason}\n`);
  void shutdown('shard closed', 1);
});
// /healthz on HEALTH_PORT: 200 while every shard's gateway session and Redis are up (one shard reconnecting
// means its servers go unanswered, so it counts).
const allShardsReady = () => client.isReady() && client.ws.shards.size > 0 && client.ws.shards.every((s) => s.status === Status.Ready);
void serveHealth(config.healthPort, () => ({ discord: allShardsReady(), redis: services.redisReady() }), log);

async function shutdown(signal: string, exitCode = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal, inFlight: inFlight.size }, 'shutting down');
  // Stop taking interactions (leave the gateway), let the ones in flight finish their enqueue, then close the queue; all within a bound.
  const done = (async () => {
    await client.destroy().catch((e: Error) => log.warn({ err: e.message }, 'leaving the gateway failed'));
    await Promise.allSettled([...inFlight]);
  })();
  await Promise.race([done, new Promise((r) => setTimeout(r, config.shutdownTimeoutMs).unref())]);
  await services.close();
  process.exit(exitCode);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));

client.login(config.discordToken).catch((e: Error) => {
  process.stderr.write(`bard bot: could not log in to Discord: ${e.message}\n`);
  process.exit(1);
});
