// FakeDiscord: a local Discord (REST + WebSocket gateway) for tests and benchmarks, driven by the real discord.js.
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseBody, readRaw, type UploadedFile } from './body.ts';
import { DiscordReject, reject } from './errors.ts';
import { Fault, type FaultHandle, type FaultSpec, type PathMatcher } from './faults.ts';
import { fewestShards, Gateway, type GatewayStats } from './gateway.ts';
import { HttpDelivery, type DeliveryHost, type DeliveryViolation, type HttpDeliveryResult } from './http-delivery.ts';
import { pingsOf, type Pings } from './mentions.ts';
import { MessageStore } from './messages.ts';
import { handle, matchRoute, type RestHost, type RestRequest } from './rest.ts';
import { snowflake, snowflakeOnShard } from './snowflake.ts';
import type { InteractionState, RecordedRequest, RegisteredCommand, StoredMessage } from './types.ts';
import { BOT_PERMISSIONS, DEFAULT_MEMBER_PERMISSIONS, World, type FakeChannel, type FakeGuild, type FakeUser } from './world.ts';

export interface FakeDiscordOptions {
  /** Bot token the fake accepts ("Bot <token>" on REST, IDENTIFY on the gateway). Default: a random token-shaped string. */
  token?: string;
  /** Application id, also the bot user's id. Default: a fresh snowflake. */
  appId?: string;
  botUsername?: string;
  guildId?: string;
  guildName?: string;
  /** HELLO's heartbeat_interval (Discord: 41250). Short values exercise heartbeats in a test. */
  heartbeatIntervalMs?: number;
  /** An interaction not answered within this is dead: callback -> 404 10062, webhook -> 401 50027. Discord: 3000. */
  callbackDeadlineMs?: number;
  /** Interaction tokens expire after this (Discord: 15 minutes). */
  tokenTtlMs?: number;
  /** Largest accepted attachment (Discord: 10 MiB without boosts). */
  maxFileBytes?: number;
  /** GET /gateway/bot's `shards`. Default: the fewest shards that hold every guild within maxGuildsPerShard. */
  recommendedShards?: number;
  /** A shard holding more guilds than this is refused with 4011 Sharding required (Discord: 2500). */
  maxGuildsPerShard?: number;
  /** GET /gateway/bot's max_concurrency: discord.js identifies this many shards at once, then waits 5 s (Discord: 1). */
  maxConcurrency?: number;
  port?: number;
  /** Deliver interactions by signed HTTP POST to this URL (Discord's Interactions Endpoint URL) instead of the gateway. */
  interactionsUrl?: string;
}

export type OptionValue = string | number | boolean;

export interface RawOption {
  name: string;
  type: number;
  value?: OptionValue;
  options?: RawOption[];
  focused?: boolean;
}

export interface InteractionCommon {
  /** Who runs the command or presses the button (default: alice). */
  user?: FakeUser;
  /** The member's permissions in the channel, as discord.js receives them in member.permissions. */
  permissions?: bigint | string;
  /** Default: the #bard channel. Its guild is the interaction's (and picks the shard it is dispatched to). */
  channelId?: string;
  /** From a DM with the bot instead of a guild channel: no guild, so dispatched to shard 0. */
  dm?: boolean;
  locale?: string;
}

export interface SlashCommandInput extends InteractionCommon {
  name: string;
  /**
   * `{ prompt: 'ROMEO:', temp: 0.5 }`: option types come from the registered command when there is one (else
   * string -> 3, boolean -> 5, integer -> 4, other number -> 10). An array is sent as it is (subcommands, odd input).
   */
  options?: Record<string, OptionValue> | RawOption[];
}

export interface ButtonInput extends InteractionCommon {
  customId: string;
  /** The message the button is on (one the fake stored). Default: a fresh bot message carrying that button. */
  messageId?: string;
}

export interface AutocompleteInput extends InteractionCommon {
  /** The command being typed. */
  name: string;
  /** Values typed so far in the other options (typed as for injectSlashCommand). */
  options?: Record<string, OptionValue>;
  /** The option the user is typing in, and its partial value. */
  focused: { name: string; value: string };
}

export type Injected = InteractionState & {
  /** How many live gateway sessions received the dispatch (0: kept for a RESUME); 1 when POSTed to the endpoint. */
  delivered: number;
  /** HTTP delivery only: how the endpoint answered. */
  delivery?: Promise<HttpDeliveryResult>;
};

interface Waiter {
  check: () => boolean;
  fail: (e: Error) => void;
}

const now = () => performance.timeOrigin + performance.now();
/** "%3A" -> ":" and "%40original" -> "@original", segment by segment, so paths read (and match) as written. */
const decodePath = (p: string) =>
  p
    .split('/')
    .map((seg) => {
      try {
        return decodeURIComponent(seg);
      } catch {
        return seg;
      }
    })
    .join('/');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FakeDiscord extends EventEmitter implements RestHost, DeliveryHost {
  readonly token: string;
  readonly appId: string;
  readonly world: World;
  readonly store: MessageStore;
  readonly gateway: Gateway;
  readonly callbackDeadlineMs: number;
  readonly tokenTtlMs: number;
  readonly maxFileBytes: number;
  /** Every REST request, in order of arrival, recorded once answered. */
  readonly requests: RecordedRequest[] = [];
  readonly interactions = new Map<string, InteractionState>();
  readonly interactionsByToken = new Map<string, InteractionState>();
  readonly commandScopes = new Map<string, RegisteredCommand[]>();
  /** Members to act as in interactions: alice and bob are ordinary members (no Manage Channels). */
  readonly users: { alice: FakeUser; bob: FakeUser; owner: FakeUser };
  readonly channels: { general: FakeChannel; bard: FakeChannel };
  /** Signs and POSTs interactions when an endpoint URL is set (see http-delivery.ts). */
  readonly http: HttpDelivery;

  private server: Server | null = null;
  private port = 0;
  private seq = 0;
  private faults: Fault[] = [];
  private waiters = new Set<Waiter>();
  private readonly options: FakeDiscordOptions;

  constructor(options: FakeDiscordOptions = {}) {
    super();
    this.options = options;
    this.appId = options.appId ?? snowflake();
    this.token = options.token ?? `${Buffer.from(this.appId).toString('base64url')}.FakeDc.${randomBytes(20).toString('base64url')}`;
    this.callbackDeadlineMs = options.callbackDeadlineMs ?? 3000;
    this.tokenTtlMs = options.tokenTtlMs ?? 15 * 60_000;
    this.maxFileBytes = options.maxFileBytes ?? 10 * 1024 * 1024;
    this.world = new World({ appId: this.appId, botUsername: options.botUsername ?? 'Bard', guildId: options.guildId, guildName: options.guildName ?? 'Bard Test Guild' });
    this.users = { alice: this.world.addUser('alice'), bob: this.world.addUser('bob'), owner: this.world.owner };
    this.channels = { general: this.world.addChannel('general'), bard: this.world.addChannel('bard') };
    this.store = new MessageStore({ baseUrl: () => this.baseUrl, maxFileBytes: this.maxFileBytes, botId: this.world.bot.id });
    this.gateway = new Gateway({
      token: this.token,
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
      maxGuildsPerShard: options.maxGuildsPerShard ?? 2500,
      gatewayUrl: () => this.gatewayUrl(),
      guildIds: () => [...this.world.guilds.keys()],
      readyPayload: (sessionId, shard, guildIds) => this.readyPayload(sessionId, shard, guildIds),
      guildCreatePayload: (guildId) => this.world.guildCreateJson(guildId),
    });
    this.http = new HttpDelivery(this, options.interactionsUrl ?? null);
  }

  // ---- lifecycle ----

  async start(): Promise<this> {
    const server = createServer((req, res) => void this.onRequest(req, res));
    server.on('upgrade', (req, socket, head) => {
      if ((req.url ?? '').startsWith('/gateway')) this.gateway.handleUpgrade(req, socket, head);
      else socket.destroy();
    });
    await new Promise<void>((resolve, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    this.gateway.close();
    this.http.close();
    for (const w of this.waiters) w.fail(new Error('fake-discord: closed while waiting'));
    this.waiters.clear();
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Give this to discord.js / @discordjs/rest as `rest: { api }` (they append /v10). */
  get apiUrl(): string {
    return `${this.baseUrl}/api`;
  }

  gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}/gateway`;
  }

  /** `new Client({ intents, ...fake.clientOptions() })` */
  clientOptions(): { rest: { api: string } } {
    return { rest: { api: this.apiUrl } };
  }

  /** Environment for a bot or worker child process (DISCORD_API_URL is the API base, e.g. for `rest: { api }`). */
  env(): Record<string, string> {
    return { DISCORD_TOKEN: this.token, DISCORD_APP_ID: this.appId, DISCORD_GUILD_ID: this.world.guildId, DISCORD_API_URL: this.apiUrl, DISCORD_PUBLIC_KEY: this.publicKeyHex };
  }

  /** The application's public key (64 hex characters) that verifies what the fake signs. */
  get publicKeyHex(): string {
    return this.http.publicKeyHex;
  }

  /** Where interactions go by HTTP (null: over the gateway). Set it once the endpoint listens. */
  get interactionsUrl(): string | null {
    return this.http.url;
  }

  set interactionsUrl(url: string | null) {
    this.http.url = url;
  }

  /** Replies Discord would not take from an HTTP endpoint (a response after a callback, a refused response). */
  get deliveryViolations(): DeliveryViolation[] {
    return this.http.violations;
  }

  get guildId(): string {
    return this.world.guildId;
  }

  get botUser(): FakeUser {
    return this.world.bot;
  }

  /** A new member of every guild. */
  addUser(username: string): FakeUser {
    const user = this.world.addUser(username);
    for (const guildId of this.world.guilds.keys()) this.gateway.dispatch('GUILD_MEMBER_ADD', { ...this.world.memberJson(user), guild_id: guildId }, guildId);
    return user;
  }

  addChannel(name: string, guildId: string = this.guildId): FakeChannel {
    const channel = this.world.addChannel(name, guildId);
    this.gateway.dispatch('CHANNEL_CREATE', this.world.channelJson(channel), guildId);
    return channel;
  }

  /**
   * Another guild the bot is in, with a #bard channel (every user is a member). `shard: [id, count]` picks an id that
   * lands on that shard. A shard already connected receives its GUILD_CREATE.
   */
  addGuild(opts: { name?: string; shard?: [number, number] } = {}): FakeGuild & { bard: FakeChannel } {
    const guild = this.world.addGuild(opts.name ?? `Guild ${this.world.guilds.size + 1}`, opts.shard ? snowflakeOnShard(...opts.shard) : snowflake());
    const bard = this.world.addChannel('bard', guild.id);
    this.gateway.dispatch('GUILD_CREATE', this.world.guildCreateJson(guild.id), guild.id);
    return { ...guild, bard };
  }

  get recommendedShards(): number {
    return this.options.recommendedShards ?? fewestShards([...this.world.guilds.keys()], this.options.maxGuildsPerShard ?? 2500);
  }

  get maxConcurrency(): number {
    return this.options.maxConcurrency ?? 1;
  }

  // ---- gateway ----

  /** Resolves once a gateway client has identified (or resumed); with `shards`, once each of that many shards is live. */
  waitForGatewayReady(timeoutMs = 5000, opts: { shards?: number } = {}): Promise<void> {
    return this.gateway.waitForReady(timeoutMs, opts.shards);
  }

  get gatewayStats(): GatewayStats {
    return this.gateway.stats;
  }

  /** See Gateway.dropConnections: `code` 4000 closes cleanly (client resumes); none cuts TCP. */
  dropGatewayConnections(opts: { code?: number; invalidateSessions?: boolean } = {}): number {
    return this.gateway.dropConnections(opts);
  }

  set refuseGatewayConnections(v: boolean) {
    this.gateway.refuseConnections = v;
  }

  get refuseGatewayConnections(): boolean {
    return this.gateway.refuseConnections;
  }

  // ---- interactions ----

  injectSlashCommand(input: SlashCommandInput): Injected {
    const cmd = this.findCommand(input.name, this.placeOf(input).guildId);
    const options = Array.isArray(input.options) ? input.options : this.typedOptions(input.name, cmd, input.options ?? {});
    const data: Record<string, unknown> = { id: cmd?.id ?? snowflake(), name: input.name, type: 1 };
    if (options.length > 0) data.options = options;
    if (cmd?.guild_id) data.guild_id = cmd.guild_id;
    return this.inject(2, input, data, { commandName: input.name });
  }

  injectButton(input: ButtonInput): Injected {
    let source: StoredMessage | undefined;
    const channelId = input.channelId ?? (input.messageId ? this.store.byId.get(input.messageId)?.channelId : undefined) ?? this.placeOf(input).channelId;
    if (input.messageId) {
      source = this.store.byId.get(input.messageId);
      if (!source || source.deleted) throw new Error(`fake-discord: no message ${input.messageId} to press a button on`);
    } else {
      source = this.store.create({
        channelId,
        guildId: this.placeOf({ ...input, channelId }).guildId,
        kind: 'channel',
        body: { content: 'button host', components: [{ type: 1, components: [{ type: 2, style: 1, label: 'Press', custom_id: input.customId }] }] },
        files: [],
        via: 'createChannelMessage',
        time: now(),
      });
    }
    const data = { custom_id: input.customId, component_type: 2 };
    return this.inject(3, { ...input, channelId }, data, { customId: input.customId, sourceMessageId: source.id, message: this.messageJson(source) });
  }

  /** Dispatches an autocomplete interaction (type 4): the focused option carries `focused: true` and a string value. */
  injectAutocomplete(input: AutocompleteInput): Injected {
    const cmd = this.findCommand(input.name, this.placeOf(input).guildId);
    const typed = this.typedOptions(input.name, cmd, input.options ?? {});
    const focused = this.typedOptions(input.name, cmd, { [input.focused.name]: input.focused.value })[0];
    const data: Record<string, unknown> = { id: cmd?.id ?? snowflake(), name: input.name, type: 1, options: [...typed.filter((o) => o.name !== focused.name), { ...focused, focused: true }] };
    if (cmd?.guild_id) data.guild_id = cmd.guild_id;
    return this.inject(4, input, data, { commandName: input.name });
  }

  /** The live state of an interaction (ack, original message id, follow-ups). */
  interaction(id: string): InteractionState | undefined {
    return this.interactions.get(id);
  }

  /** The messages an interaction produced: its @original (if any) then its follow-ups, in their current state. */
  messagesFor(interactionId: string): StoredMessage[] {
    const ix = this.interactions.get(interactionId);
    if (!ix) return [];
    const ids = [ix.ack === 'reply' || ix.ack === 'defer' ? ix.originalId : null, ...ix.followUpIds].filter((x): x is string => !!x);
    return ids.map((id) => this.store.byId.get(id)!).filter(Boolean);
  }

  /** Every REST request made with this interaction's id or token. */
  requestsFor(interactionId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.interactionId === interactionId);
  }

  /** Makes an interaction's token invalid now, as if 15 minutes had passed: webhook routes answer 401 50027. */
  expireInteraction(id: string): void {
    const ix = this.interactions.get(id);
    if (!ix) throw new Error(`fake-discord: no interaction ${id}`);
    ix.expired = true;
  }

  // ---- messages ----

  message(id: string): StoredMessage | undefined {
    return this.store.byId.get(id);
  }

  get messages(): StoredMessage[] {
    return [...this.store.byId.values()];
  }

  channelMessages(channelId: string): StoredMessage[] {
    return this.messages.filter((m) => m.channelId === channelId && m.kind === 'channel');
  }

  /** Who a message pinged, by Discord's rules for its content and allowed_mentions. */
  pings(message: StoredMessage | { content: string; allowedMentions?: unknown }): Pings {
    return pingsOf(message.content, message.allowedMentions);
  }

  /** The Discord API JSON of a stored message. */
  messageJson(m: StoredMessage): Record<string, any> {
    const ix = m.interactionId ? this.interactions.get(m.interactionId) : undefined;
    const pings = pingsOf(m.content, m.allowedMentions);
    const userJson = (id: string) => {
      const u = this.world.users.get(id);
      return u ? this.world.userJson(u) : { id, username: 'unknown', discriminator: '0', global_name: null, avatar: null };
    };
    const json: Record<string, any> = {
      id: m.id,
      type: m.kind === 'original' && ix?.type === 2 ? 20 : 0,
      channel_id: m.channelId,
      content: m.content,
      author: this.world.userJson(this.world.bot),
      attachments: m.attachments.map(({ data: _data, ...a }) => a),
      embeds: m.embeds,
      components: m.components,
      mentions: pings.users.map(userJson),
      mention_roles: pings.roles,
      mention_everyone: pings.everyone,
      pinned: false,
      tts: false,
      timestamp: new Date(m.createdAt).toISOString(),
      edited_timestamp: m.editedAt ? new Date(m.editedAt).toISOString() : null,
      flags: m.flags,
    };
    if (m.guildId) json.guild_id = m.guildId;
    if (ix) {
      json.webhook_id = this.appId;
      json.application_id = this.appId;
      json.interaction_metadata = {
        id: ix.id,
        type: ix.type,
        user: userJson(ix.userId),
        authorizing_integration_owners: { '0': ix.guildId ?? '0' },
        ...(ix.type === 2 ? { name: ix.commandName } : { interacted_message_id: ix.sourceMessageId }),
      };
    }
    return json;
  }

  // ---- commands ----

  /** Registered commands: global ones, or a guild's. */
  commands(guildId?: string): RegisteredCommand[] {
    return this.commandScopes.get(guildId ?? 'global') ?? [];
  }

  // ---- recording and waiting ----

  /** Resolves with the first request (already recorded or yet to come) that matches. */
  waitFor(predicate: (r: RecordedRequest) => boolean, timeoutMs = 5000): Promise<RecordedRequest> {
    return this.waitUntil(() => this.requests.find(predicate), timeoutMs, 'a matching request');
  }

  /** Resolves with the first `count` matching requests once that many have been recorded. */
  waitForCount(predicate: (r: RecordedRequest) => boolean, count: number, timeoutMs = 5000): Promise<RecordedRequest[]> {
    return this.waitUntil(
      () => {
        const hits = this.requests.filter(predicate);
        return hits.length >= count ? hits.slice(0, count) : undefined;
      },
      timeoutMs,
      `${count} matching requests`,
    );
  }

  /** Resolves with `probe()`'s value as soon as it is truthy; re-checked after every request and every 20 ms. */
  waitUntil<T>(probe: () => T | undefined | null | false, timeoutMs = 5000, what = 'the condition'): Promise<T> {
    const first = probe();
    if (first) return Promise.resolve(first);
    return new Promise<T>((resolve, rejectWait) => {
      const waiter: Waiter = {
        check: () => {
          const v = probe();
          if (!v) return false;
          clearTimeout(timer);
          clearInterval(poll);
          this.waiters.delete(waiter);
          resolve(v);
          return true;
        },
        fail: (e) => {
          clearTimeout(timer);
          clearInterval(poll);
          rejectWait(e);
        },
      };
      // Requests re-check at once; the poll catches gateway events and state outside the fake (e.g. the client's).
      const poll = setInterval(() => waiter.check(), 20);
      const timer = setTimeout(() => {
        clearInterval(poll);
        this.waiters.delete(waiter);
        const recent = this.requests.slice(-8).map((r) => `${r.method} ${r.path} -> ${r.status}`).join('; ');
        rejectWait(new Error(`fake-discord: timed out after ${timeoutMs} ms waiting for ${what}. Last requests: ${recent || 'none'}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ---- fault injection ----

  /** Queues a fault; the next `times` requests matching method and path get its answer instead of the normal one. */
  injectFault(spec: FaultSpec): FaultHandle {
    const fault = new Fault(spec);
    this.faults.push(fault);
    return fault;
  }

  /** The next `times` matching requests answer 429 with retry_after (seconds) that @discordjs/rest waits out. */
  rateLimit(path: PathMatcher, opts: { retryAfter?: number; times?: number; global?: boolean; method?: string } = {}): FaultHandle {
    return this.injectFault({ path, status: 429, retryAfter: opts.retryAfter ?? 0.1, times: opts.times ?? 1, global: opts.global, method: opts.method });
  }

  /** The next `times` matching requests answer `status` (500/502/503, or 401/404 for a dead webhook token). */
  failNext(path: PathMatcher, status: number, opts: { times?: number; method?: string; body?: unknown } = {}): FaultHandle {
    return this.injectFault({ path, status, times: opts.times ?? 1, method: opts.method, body: opts.body });
  }

  clearFaults(): void {
    this.faults = [];
  }

  // ---- internals ----

  now(): number {
    return now();
  }

  nextSeq(): number {
    return ++this.seq;
  }

  /** 'ack' fires the moment an interaction's first reply is accepted (callback or HTTP response): a hook for crash tests. */
  emitAck(ix: InteractionState): void {
    this.emit('ack', ix);
  }

  recordRequest(rec: RecordedRequest): void {
    this.requests.push(rec);
    this.emit('request', rec);
    for (const w of [...this.waiters]) w.check();
  }

  private readyPayload(sessionId: string, shard: [number, number], guildIds: string[]): unknown {
    return {
      v: 10,
      user_settings: {},
      user: this.world.botUserJson(),
      guilds: guildIds.map((id) => ({ id, unavailable: true })),
      session_id: sessionId,
      session_type: 'normal',
      resume_gateway_url: this.gatewayUrl(),
      shard,
      application: { id: this.appId, flags: 0 },
      private_channels: [],
      relationships: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      _trace: ['fake-discord'],
    };
  }

  private findCommand(name: string, guildId: string | null): RegisteredCommand | undefined {
    const guildScope = guildId ? this.commands(guildId) : [];
    return guildScope.find((c) => c.name === name && c.type === 1) ?? this.commands().find((c) => c.name === name && c.type === 1);
  }

  /** Where an interaction happens: a guild channel (default #bard of the first guild), or the user's DM with the bot. */
  private placeOf(input: InteractionCommon): { guildId: string | null; channelId: string; channelJson: Record<string, unknown> } {
    const user = input.user ?? this.users.alice;
    if (input.dm) {
      const dm = this.world.dmChannelJson(user);
      return { guildId: null, channelId: dm.id as string, channelJson: dm };
    }
    const channel = this.world.channels.get(input.channelId ?? this.channels.bard.id);
    if (!channel) throw new Error(`fake-discord: no channel ${input.channelId}`);
    const permissions = (input.permissions ?? DEFAULT_MEMBER_PERMISSIONS).toString();
    return { guildId: channel.guildId, channelId: channel.id, channelJson: this.world.channelJson(channel, { permissions }) };
  }

  private typedOptions(command: string, cmd: RegisteredCommand | undefined, values: Record<string, OptionValue>): RawOption[] {
    return Object.entries(values).map(([name, value]) => {
      if (cmd) {
        const def = (cmd.options ?? []).find((o: { name: string }) => o.name === name);
        if (!def) throw new Error(`fake-discord: /${command} has no option "${name}" (registered: ${(cmd.options ?? []).map((o: { name: string }) => o.name).join(', ') || 'none'})`);
        return { name, type: def.type, value };
      }
      const type = typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10;
      return { name, type, value };
    });
  }

  private inject(type: 2 | 3 | 4, input: InteractionCommon, data: Record<string, unknown>, extra: { commandName?: string; customId?: string; sourceMessageId?: string; message?: unknown }): Injected {
    const user = input.user ?? this.users.alice;
    const { guildId, channelId, channelJson } = this.placeOf(input);
    const permissions = (input.permissions ?? DEFAULT_MEMBER_PERMISSIONS).toString();
    const id = snowflake();
    const token = `aW50ZXJhY3Rpb246${id}:${randomBytes(24).toString('base64url')}`;
    const payload: Record<string, unknown> = {
      id,
      application_id: this.appId,
      type,
      token,
      version: 1,
      data,
      channel_id: channelId,
      channel: channelJson,
      locale: input.locale ?? 'en-GB',
      app_permissions: BOT_PERMISSIONS.toString(),
      entitlements: [],
      // Guild install: the guild's id, or "0" in a DM with the bot (context 1, BOT_DM), which carries `user`, not `member`.
      authorizing_integration_owners: { '0': guildId ?? '0' },
      context: guildId ? 0 : 1,
      attachment_size_limit: this.maxFileBytes,
      ...(guildId
        ? { guild_id: guildId, guild: { id: guildId, locale: 'en-US', features: [] }, guild_locale: 'en-US', member: this.world.memberJson(user, { permissions }) }
        : { user: this.world.userJson(user) }),
    };
    if (extra.message) payload.message = extra.message;
    const state: InteractionState = {
      id,
      token,
      applicationId: this.appId,
      type,
      commandName: extra.commandName,
      customId: extra.customId,
      channelId,
      guildId,
      userId: user.id,
      payload,
      createdAt: now(),
      ack: null,
      ackAt: null,
      callbacks: 0,
      deferred: false,
      ephemeral: false,
      originalId: null,
      followUpIds: [],
      expired: false,
      sourceMessageId: extra.sourceMessageId,
    };
    this.interactions.set(id, state);
    this.interactionsByToken.set(token, state);
    if (this.http.url) {
      const delivery = this.http.deliver(state);
      this.emit('interaction', state);
      return Object.assign(state, { delivered: 1, delivery }) as Injected;
    }
    const delivered = this.gateway.dispatch('INTERACTION_CREATE', payload, guildId);
    this.emit('interaction', state);
    return Object.assign(state, { delivered }) as Injected;
  }

  private async onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const time = now();
    const url = new URL(req.url ?? '/', this.baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    const m = /^\/api(?:\/v(\d+))?(\/.*)$/.exec(url.pathname);
    const rec: RecordedRequest = {
      seq: this.nextSeq(),
      method,
      path: decodePath(m ? m[2] : url.pathname),
      version: m?.[1] ? Number(m[1]) : null,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: undefined,
      files: [],
      route: 'unknown',
      params: {},
      status: 0,
      response: undefined,
      injected: false,
      time,
      respondedAt: 0,
    };
    let answer: { status: number; body?: unknown; headers?: Record<string, string> };
    try {
      const raw = await readRaw(req);
      if (!m) {
        answer = this.serveAttachment(method, url.pathname, rec);
      } else {
        const fault = this.faults.find((f) => f.take(method, rec.path));
        if (fault?.spec.delayMs) await sleep(fault.spec.delayMs);
        let files: UploadedFile[] = [];
        let parseError: DiscordReject | null = null;
        try {
          const parsed = await parseBody(headers['content-type'], raw);
          rec.body = parsed.body;
          files = parsed.files;
          rec.files = files.map((f) => ({ ...f, size: f.data.length }));
        } catch (e) {
          if (!(e instanceof DiscordReject)) throw e;
          parseError = e;
        }
        if (rec.body && typeof rec.body === 'object' && 'allowed_mentions' in rec.body) rec.allowedMentions = rec.body.allowed_mentions;
        if (rec.body?.data && typeof rec.body.data === 'object' && 'allowed_mentions' in rec.body.data) rec.allowedMentions = rec.body.data.allowed_mentions;
        const matched = matchRoute(method, rec.path);
        if (matched) {
          rec.route = matched.route.name;
          rec.params = matched.params;
          rec.interactionId = this.interactionIdOf(matched.params);
        }
        if (fault?.spec.drop) {
          rec.injected = true;
          this.record(rec, 0, undefined);
          req.socket.destroy();
          return;
        }
        if (fault && fault.spec.status !== undefined) {
          rec.injected = true;
          answer = fault.answer();
        } else if (parseError) {
          throw parseError;
        } else if (!matched) {
          throw reject.notFound();
        } else {
          const restReq: RestRequest = { method, path: rec.path, query: rec.query, headers, body: rec.body, files, time, params: matched.params };
          answer = handle(this, matched, restReq);
          rec.interactionId = restReq.interactionId ?? rec.interactionId;
          if (matched.route.name === 'interactionCallback' && rec.interactionId) this.emitAck(this.interactions.get(rec.interactionId)!);
        }
      }
    } catch (e) {
      if (e instanceof DiscordReject) answer = { status: e.status, body: e.body };
      else answer = { status: 500, body: { code: 0, message: `fake-discord internal error: ${(e as Error).stack ?? e}` } };
    }
    this.respond(res, answer);
    this.record(rec, answer.status, answer.body);
  }

  private interactionIdOf(params: Record<string, string>): string | undefined {
    if (params.interactionId && this.interactions.has(params.interactionId)) return params.interactionId;
    if (params.token) return this.interactionsByToken.get(params.token)?.id;
    return undefined;
  }

  private serveAttachment(method: string, pathname: string, rec: RecordedRequest): { status: number; body?: unknown; headers?: Record<string, string> } {
    const m = /^\/attachments\/(\d+)\/(\d+)\/[^/]+$/.exec(pathname);
    if (method !== 'GET' || !m) throw reject.notFound();
    rec.route = 'getAttachment';
    for (const msg of this.store.byId.values()) {
      const a = msg.attachments.find((x) => x.id === m[2]);
      if (a) return { status: 200, body: a.data, headers: { 'content-type': a.content_type } };
    }
    throw reject.notFound();
  }

  private respond(res: ServerResponse, answer: { status: number; body?: unknown; headers?: Record<string, string> }): void {
    if (res.destroyed) return;
    const headers: Record<string, string> = { ...(answer.headers ?? {}) };
    if (answer.status === 204 || answer.body === undefined) {
      res.writeHead(answer.status, headers);
      res.end();
      return;
    }
    const payload = Buffer.isBuffer(answer.body) ? answer.body : Buffer.from(JSON.stringify(answer.body));
    headers['content-type'] ??= 'application/json';
    headers['content-length'] = String(payload.length);
    res.writeHead(answer.status, headers);
    res.end(payload);
  }

  private record(rec: RecordedRequest, status: number, body: unknown): void {
    rec.status = status;
    rec.response = Buffer.isBuffer(body) ? undefined : body;
    rec.respondedAt = now();
    this.recordRequest(rec);
  }
}
