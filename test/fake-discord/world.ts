// The fake's world: the bot user, its guilds (each with roles and channels; every user is a member of every guild),
// and their API JSON shapes.
import { snowflake } from './snowflake.ts';

/** Permission bits (the ones a test is likely to grant or deny), as bigints like discord.js's PermissionFlagsBits. */
export const Permission = {
  Administrator: 1n << 3n,
  ManageChannels: 1n << 4n,
  ManageGuild: 1n << 5n,
  AddReactions: 1n << 6n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  AttachFiles: 1n << 15n,
  ReadMessageHistory: 1n << 16n,
  MentionEveryone: 1n << 17n,
  UseExternalEmojis: 1n << 18n,
  UseApplicationCommands: 1n << 31n,
} as const;

/** What an ordinary member has in a channel: no Manage Channels. */
export const DEFAULT_MEMBER_PERMISSIONS =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.AddReactions |
  Permission.EmbedLinks |
  Permission.AttachFiles |
  Permission.ReadMessageHistory |
  Permission.UseExternalEmojis |
  Permission.UseApplicationCommands;

export const BOT_PERMISSIONS = DEFAULT_MEMBER_PERMISSIONS | Permission.ManageMessages;

export interface FakeUser {
  id: string;
  username: string;
  bot?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  position: number;
  guildId: string;
}

export interface FakeGuild {
  id: string;
  name: string;
  roles: FakeRole[];
}

export interface FakeRole {
  id: string;
  name: string;
  permissions: bigint;
  position: number;
}

export class World {
  readonly joinedAt = new Date().toISOString();
  /** The first guild, where interactions go unless told otherwise. */
  readonly guildId: string;
  readonly guildName: string;
  readonly bot: FakeUser;
  readonly users = new Map<string, FakeUser>();
  /** Every guild's channels. */
  readonly channels = new Map<string, FakeChannel>();
  readonly guilds = new Map<string, FakeGuild>();
  /** User id -> id of their DM channel with the bot. */
  private readonly dmChannels = new Map<string, string>();
  /** The first guild's roles. */
  readonly roles: FakeRole[];
  /** Every guild's owner (discord.js grants an owner every permission, so interactions default to someone else). */
  readonly owner: FakeUser;

  constructor(opts: { appId: string; botUsername: string; guildId?: string; guildName: string }) {
    this.bot = { id: opts.appId, username: opts.botUsername, bot: true };
    this.owner = this.addUser('owner');
    const first = this.addGuild(opts.guildName, opts.guildId);
    this.guildId = first.id;
    this.guildName = first.name;
    this.roles = first.roles;
    this.users.set(this.bot.id, this.bot);
  }

  addGuild(name: string, id: string = snowflake()): FakeGuild {
    if (this.guilds.has(id)) throw new Error(`fake-discord: guild ${id} exists already`);
    const guild: FakeGuild = {
      id,
      name,
      roles: [
        { id, name: '@everyone', permissions: DEFAULT_MEMBER_PERMISSIONS, position: 0 },
        { id: snowflake(), name: 'Moderators', permissions: DEFAULT_MEMBER_PERMISSIONS | Permission.ManageChannels, position: 1 },
      ],
    };
    this.guilds.set(id, guild);
    return guild;
  }

  guild(id: string): FakeGuild {
    const guild = this.guilds.get(id);
    if (!guild) throw new Error(`fake-discord: no guild ${id}`);
    return guild;
  }

  addUser(username: string): FakeUser {
    const user = { id: snowflake(), username };
    this.users.set(user.id, user);
    return user;
  }

  addChannel(name: string, guildId: string = this.guildId): FakeChannel {
    this.guild(guildId);
    const position = [...this.channels.values()].filter((c) => c.guildId === guildId).length;
    const channel = { id: snowflake(), name, position, guildId };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The DM channel between a user and the bot (type 1), the same id each time. */
  dmChannelJson(user: FakeUser): Record<string, unknown> {
    let id = this.dmChannels.get(user.id);
    if (!id) this.dmChannels.set(user.id, (id = snowflake()));
    return { id, type: 1, recipients: [this.userJson(user)], last_message_id: null, flags: 0 };
  }

  userJson(user: FakeUser): Record<string, unknown> {
    return {
      id: user.id,
      username: user.username,
      global_name: user.bot ? null : user.username,
      discriminator: user.bot ? '0001' : '0',
      avatar: null,
      bot: user.bot ?? false,
      public_flags: 0,
      flags: 0,
    };
  }

  /** GET /users/@me and READY.user. */
  botUserJson(): Record<string, unknown> {
    return { ...this.userJson(this.bot), verified: true, mfa_enabled: false, email: null };
  }

  memberJson(user: FakeUser, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      user: this.userJson(user),
      roles: [],
      joined_at: this.joinedAt,
      deaf: false,
      mute: false,
      flags: 0,
      nick: null,
      avatar: null,
      premium_since: null,
      pending: false,
      communication_disabled_until: null,
      ...extra,
    };
  }

  channelJson(channel: FakeChannel, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      id: channel.id,
      type: 0,
      guild_id: channel.guildId,
      name: channel.name,
      position: channel.position,
      permission_overwrites: [],
      parent_id: null,
      topic: null,
      nsfw: false,
      last_message_id: null,
      rate_limit_per_user: 0,
      flags: 0,
      ...extra,
    };
  }

  roleJson(role: FakeRole): Record<string, unknown> {
    return {
      id: role.id,
      name: role.name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: role.position,
      permissions: role.permissions.toString(),
      managed: false,
      mentionable: false,
      flags: 0,
    };
  }

  /** The full guild of GUILD_CREATE: what discord.js caches (roles, channels, members). */
  guildCreateJson(guildId: string = this.guildId): Record<string, unknown> {
    const guild = this.guild(guildId);
    const members = [...this.users.values()].map((u) =>
      this.memberJson(u, { roles: u.id === this.owner.id ? [guild.roles[1].id] : [] }),
    );
    return {
      id: guild.id,
      name: guild.name,
      icon: null,
      splash: null,
      discovery_splash: null,
      owner_id: this.owner.id,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 1,
      explicit_content_filter: 0,
      roles: guild.roles.map((r) => this.roleJson(r)),
      emojis: [],
      stickers: [],
      features: [],
      mfa_level: 0,
      application_id: null,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      max_members: 500000,
      vanity_url_code: null,
      description: null,
      banner: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      premium_progress_bar_enabled: false,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      joined_at: this.joinedAt,
      large: false,
      unavailable: false,
      lazy: true,
      member_count: members.length,
      members,
      channels: [...this.channels.values()].filter((c) => c.guildId === guild.id).map((c) => this.channelJson(c)),
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
    };
  }
}
