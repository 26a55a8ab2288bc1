// The WebSocket gateway: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME with replay, dispatches.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, WebSocket } from 'ws';

const Op = { Dispatch: 0, Heartbeat: 1, Identify: 2, Resume: 6, Reconnect: 7, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;

export interface GatewayHost {
  token: string;
  heartbeatIntervalMs: number;
  gatewayUrl(): string;
  readyPayload(sessionId: string, shard: [number, number]): unknown;
  guildCreatePayloads(): unknown[];
}

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
  /** Query strings the clients connected with, e.g. { v: '10', encoding: 'json' }. */
  queries: Record<string, string>[];
}

const REPLAY_KEEP = 1000;

export class Gateway {
  readonly wss = new WebSocketServer({ noServer: true });
  readonly sessions = new Map<string, GatewaySession>();
  readonly stats: GatewayStats = { connections: 0, refused: 0, identifies: 0, resumes: 0, invalidSessions: 0, heartbeats: 0, dispatches: 0, queries: [] };
  /** While true, new WebSocket upgrades are answered 503 and closed. */
  refuseConnections = false;
  private readyWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];

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

  /** Resolves once at least one session is live. */
  waitForReady(timeoutMs: number): Promise<void> {
    if (this.liveSessions().length > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = {
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
        reject(new Error(`fake-discord: no gateway client became ready within ${timeoutMs} ms`));
      }, timeoutMs);
      this.readyWaiters.push(waiter);
    });
  }

  /**
   * Sends a dispatch to every live session. With none live, it is kept on the most recent session so a RESUME
   * replays it (with no session at all it goes nowhere). Returns how many live sessions it went out to.
   */
  dispatch(t: string, d: unknown): number {
    const live = this.liveSessions();
    if (live.length > 0) {
      for (const s of live) this.send(s, t, d);
      return live.length;
    }
    const latest = [...this.sessions.values()].at(-1);
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
    if (!d || d.token !== this.host.token) return ws.close(4004, 'Authentication failed.');
    this.stats.identifies += 1;
    const shard: [number, number] = Array.isArray(d.shard) ? [d.shard[0], d.shard[1]] : [0, 1];
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
    this.send(session, 'READY', this.host.readyPayload(session.id, shard));
    for (const guild of this.host.guildCreatePayloads()) this.send(session, 'GUILD_CREATE', guild);
    this.notifyReady();
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
    for (const w of this.readyWaiters.splice(0)) w.resolve();
  }
}
