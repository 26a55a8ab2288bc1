// The WebSocket gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay, dispatches
// routed to the shard that owns their guild, and IDENTIFYs that break the sharding rules refused.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';
import { shardOf } from './snowflake.ts';

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

export interface GatewayHost {
  token: string;
  heartbeatIntervalMs: number;
  /** A session may hold at most this many guilds (Discord: 2500); more closes its IDENTIFY with 4011. */
  maxGuildsPerShard: number;
  gatewayUrl(): string;
  /** Every guild the bot is in. */
  guildIds(): string[];
  readyPayload(sessionId: string, shard: [number, number], guildIds: string[]): unknown;
  guildCreatePayload(guildId: string): unknown;
}

/** Close codes of an IDENTIFY the gateway refuses (discord-api-docs, opcodes-and-status-codes). */
export const GatewayClose = { AuthenticationFailed: 4004, AlreadyAuthenticated: 4005, InvalidShard: 4010, ShardingRequired: 4011 } as const;

export interface GatewaySession {
  id: string;
  seq: number;
  shard: [number, number];
  intents: number;
  socket: WebSocket | null;
  /** Sent dispatches, kept for RESUME replay. */
  sent: { s: number; t: string; d: unknown }[];
  identifiedAt: number;
}

export interface GatewayStats {
  connections: number;
  refused: number;
  identifies: number;
  resumes: number;
  invalidSessions: number;
  heartbeats: number;
  dispatches: number;
  /** IDENTIFYs closed for breaking a rule, by close code (4005, 4010, 4011). */
  refusedIdentifies: { code: number; reason: string; shard: unknown }[];
  /** Query strings the clients connected with, e.g. { v: '10', encoding: 'json' }. */
  queries: Record<string, string>[];
}

const REPLAY_KEEP = 1000;

/** The fewest shards that keep every shard at `maxPerShard` guilds or fewer (what GET /gateway/bot recommends). */
export function fewestShards(guildIds: string[], maxPerShard: number): number {
  for (let count = 1; count <= 4096; count++) {
    const load = new Array<number>(count).fill(0);
    for (const g of guildIds) load[shardOf(g, count)] += 1;
    if (Math.max(...load) <= maxPerShard) return count;
  }
  // Guilds created in the same millisecond share a shard at every count.
  throw new Error(`fake-discord: no shard count up to 4096 keeps ${guildIds.length} guilds within ${maxPerShard} per shard`);
}

export class Gateway {
  readonly wss = new WebSocketServer({ noServer: true });
  readonly sessions = new Map<string, GatewaySession>();
  readonly stats: GatewayStats = { connections: 0, refused: 0, identifies: 0, resumes: 0, invalidSessions: 0, heartbeats: 0, dispatches: 0, refusedIdentifies: [], queries: [] };
  /** While true, new WebSocket upgrades are answered 503 and closed. */
  refuseConnections = false;
  private readyWaiters: { ready: () => boolean; resolve: () => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly host: GatewayHost) {
    this.wss.on('connection', (ws, req) => this.onConnection(ws, req));
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.refuseConnections) {
      this.stats.refused += 1;
      socket.end('HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  /** Sessions whose socket is open and identified (or resumed). */
  liveSessions(): GatewaySession[] {
    return [...this.sessions.values()].filter((s) => s.socket?.readyState === WebSocket.OPEN);
  }

  /** Resolves once at least one session is live, or with `shardCount`, once each of its shards has a live session. */
  waitForReady(timeoutMs: number, shardCount?: number): Promise<void> {
    const ready = () => {
      const live = this.liveSessions();
      if (shardCount === undefined) return live.length > 0;
      return Array.from({ length: shardCount }, (_, id) => id).every((id) => live.some((s) => s.shard[0] === id && s.shard[1] === shardCount));
    };
    if (ready()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
        ready,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((w) => w !== waiter);
        const live = this.liveSessions().map((s) => `[${s.shard}]`).join(' ') || 'none';
        reject(new Error(`fake-discord: ${shardCount === undefined ? 'no gateway client became ready' : `not all ${shardCount} shards became ready (live: ${live})`} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  /**
   * Sends a dispatch to the live sessions whose shard owns `guildId` ((guild_id >> 22) % count; null, as for a DM,
   * means shard 0). With none live, it is kept on the most recent owning session so a RESUME replays it (with no
   * such session it goes nowhere). Returns how many live sessions it went out to.
   */
  dispatch(t: string, d: unknown, guildId: string | null): number {
    const owners = [...this.sessions.values()].filter((s) => shardOf(guildId, s.shard[1]) === s.shard[0]);
    const live = owners.filter((s) => s.socket?.readyState === WebSocket.OPEN);
    if (live.length > 0) {
      for (const s of live) this.send(s, t, d);
      return live.length;
    }
    const latest = owners.at(-1);
    if (latest) this.send(latest, t, d);
    return 0;
  }

  /**
   * Closes every gateway socket. `code` 1000..4999 sends a close frame (4000 lets the client resume); without it the
   * TCP connection is cut (the client sees 1006). `invalidateSessions` makes the next RESUME fail (op 9), forcing IDENTIFY.
   */
  dropConnections(opts: { code?: number; invalidateSessions?: boolean } = {}): number {
    let n = 0;
    for (const ws of this.wss.clients) {
      n += 1;
      if (opts.code) ws.close(opts.code, 'fake-discord drop');
      else ws.terminate();
    }
    if (opts.invalidateSessions) this.sessions.clear();
    return n;
  }

  /** Asks every live client to reconnect (op 7), as Discord does during rolling restarts. */
  requestReconnect(): void {
    for (const s of this.liveSessions()) s.socket!.send(JSON.stringify({ op: Op.Reconnect, d: null }));
  }

  close(): void {
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
    for (const w of this.readyWaiters.splice(0)) w.reject(new Error('fake-discord: closed'));
  }

  private onConnection(ws: WebSocket, req: IncomingMessage): void {
    this.stats.connections += 1;
    const query = Object.fromEntries(new URL(req.url ?? '/', 'http://x').searchParams);
    this.stats.queries.push(query);
    if (query.compress || (query.encoding && query.encoding !== 'json')) {
      // The fake speaks plain JSON text frames only; fail loudly instead of sending frames the client cannot decode.
      ws.close(4000, `fake-discord supports encoding=json without compress (got ${JSON.stringify(query)})`);
      return;
    }
    ws.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: this.host.heartbeatIntervalMs, _trace: ['fake-discord'] } }));
    ws.on('message', (raw, isBinary) => {
      if (isBinary) return ws.close(4002, 'Decode error');
      let msg: { op: number; d: any };
      try {
        msg = JSON.parse(raw.toString());
      } catch {
        return ws.close(4002, 'Decode error');
      }
      this.onMessage(ws, msg);
    });
    ws.on('close', () => {
      for (const s of this.sessions.values()) if (s.socket === ws) s.socket = null;
    });
    ws.on('error', () => undefined);
  }

  private onMessage(ws: WebSocket, msg: { op: number; d: any }): void {
    switch (msg.op) {
      case Op.Heartbeat:
        this.stats.heartbeats += 1;
        ws.send(JSON.stringify({ op: Op.HeartbeatAck }));
        return;
      case Op.Identify:
        return this.identify(ws, msg.d);
      case Op.Resume:
        return this.resume(ws, msg.d);
      default:
        // Presence updates, voice state, member requests: accepted and ignored.
        return;
    }
  }

  private identify(ws: WebSocket, d: any): void {
    if (!d || d.token !== this.host.token) return ws.close(GatewayClose.AuthenticationFailed, 'Authentication failed.');
    const shard: [number, number] = d.shard === undefined ? [0, 1] : d.shard;
    const refusal = this.identifyRefusal(ws, shard);
    if (refusal) {
      this.stats.refusedIdentifies.push({ ...refusal, shard: d.shard });
      return ws.close(refusal.code, refusal.reason);
    }
    this.stats.identifies += 1;
    const guildIds = this.guildsOf(shard);
    const session: GatewaySession = {
      id: randomBytes(16).toString('hex'),
      seq: 0,
      shard,
      intents: Number(d.intents ?? 0),
      socket: ws,
      sent: [],
      identifiedAt: Date.now(),
    };
    this.sessions.set(session.id, session);
    this.send(session, 'READY', this.host.readyPayload(session.id, shard, guildIds));
    for (const id of guildIds) this.send(session, 'GUILD_CREATE', this.host.guildCreatePayload(id));
    this.notifyReady();
  }

  /** Guilds that shard [id, count] receives. */
  guildsOf(shard: [number, number]): string[] {
    return this.host.guildIds().filter((g) => shardOf(g, shard[1]) === shard[0]);
  }

  /**
   * Why an IDENTIFY must be refused, or null. Discord's rules: one IDENTIFY per connection (4005); shard is
   * [id, count] with 0 <= id < count (4010); no session may hold more than maxGuildsPerShard guilds (4011).
   * Stricter than Discord, which allows a shard twice or counts that differ (for hand-overs between deployments):
   * a shard already live on another connection, or a count unlike the live sessions', is refused with 4010 too,
   * because for Bard it means two processes were given overlapping or inconsistent SHARD_IDS / SHARD_COUNT.
   */
  private identifyRefusal(ws: WebSocket, shard: unknown): { code: number; reason: string } | null {
    const others = this.liveSessions().filter((s) => s.socket !== ws);
    if (this.liveSessions().some((s) => s.socket === ws)) return { code: GatewayClose.AlreadyAuthenticated, reason: 'Already authenticated.' };
    const valid = Array.isArray(shard) && shard.length === 2 && shard.every((n) => Number.isInteger(n)) && shard[1] >= 1 && shard[0] >= 0 && shard[0] < shard[1];
    if (!valid) return { code: GatewayClose.InvalidShard, reason: `Invalid shard: ${JSON.stringify(shard)} is not [id, count] with 0 <= id < count.` };
    const [id, count] = shard as [number, number];
    const clash = others.find((s) => s.shard[1] !== count);
    if (clash) return { code: GatewayClose.InvalidShard, reason: `Invalid shard: count ${count} differs from the live shard [${clash.shard}].` };
    if (others.some((s) => s.shard[0] === id)) return { code: GatewayClose.InvalidShard, reason: `Invalid shard: shard [${id}, ${count}] is already identified on another connection.` };
    const guilds = this.guildsOf([id, count]).length;
    if (guilds > this.host.maxGuildsPerShard) {
      return { code: GatewayClose.ShardingRequired, reason: `Sharding required: shard [${id}, ${count}] would hold ${guilds} guilds (at most ${this.host.maxGuildsPerShard}).` };
    }
    return null;
  }

  private resume(ws: WebSocket, d: any): void {
    const session = d && this.sessions.get(d.session_id);
    if (!session || d.token !== this.host.token) {
      this.stats.invalidSessions += 1;
      ws.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
      return;
    }
    this.stats.resumes += 1;
    if (session.socket && session.socket !== ws) session.socket.terminate();
    session.socket = ws;
    for (const e of session.sent) if (e.s > Number(d.seq ?? 0)) ws.send(JSON.stringify({ op: Op.Dispatch, t: e.t, s: e.s, d: e.d }));
    this.send(session, 'RESUMED', { _trace: ['fake-discord'] });
    this.notifyReady();
  }

  private send(session: GatewaySession, t: string, d: unknown): void {
    session.seq += 1;
    const s = session.seq;
    session.sent.push({ s, t, d });
    if (session.sent.length > REPLAY_KEEP) session.sent.shift();
    this.stats.dispatches += 1;
    if (session.socket?.readyState === WebSocket.OPEN) session.socket.send(JSON.stringify({ op: Op.Dispatch, t, s, d }));
  }

  private notifyReady(): void {
    const ready = this.readyWaiters.filter((w) => w.ready());
    this.readyWaiters = this.readyWaiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve();
  }
}
