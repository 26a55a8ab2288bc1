/**
 * The HTTP interactions endpoint: Discord POSTs each interaction to `/interactions`, signed, and the HTTP
 * response is the first reply. Order of work for every request, so that nothing unverified is acted on:
 *
 *   method and path → content type → size (Content-Length, then the bytes) → the whole body within a bound
 *   → Ed25519 signature over timestamp + raw body, and the timestamp's age → JSON → PING, or the handlers.
 *
 * A rejected request gets its status (401 for anything about the signature, as Discord's probes expect)
 * and is counted by reason; nothing is written to Redis, no job is made and the body is never logged.
 * A command or button runs the same handlers as the gateway bot; each is answered within `answerWithinMs`
 * (Discord allows 3 s), the response going out only after the job is safely in Redis.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { REST } from '@discordjs/rest';
import { InteractionResponseType, InteractionType, type APIInteraction } from 'discord-api-types/v10';
import type { Services } from '../bot/context.ts';
import { BUSY } from '../bot/enqueue.ts';
import { routeAutocomplete, routeButton, routeCommand, SORRY } from '../bot/router.ts';
import type { Logger } from '../log.ts';
import { health } from '../observe/http.ts';
import type { Deliveries } from './deliveries.ts';
import { autocompleteContextOf, buttonContextOf, commandContextOf, ephemeral, Responder, type InteractionResponse } from './interaction-context.ts';
import type { Rejection, WebMetrics } from './metrics.ts';
import type { SignatureVerifier } from './signature.ts';

export interface EndpointOptions {
  verifier: SignatureVerifier;
  svc: Services;
  deliveries: Deliveries;
  /** For ephemeral follow-ups after the response (interaction webhooks need no bot token). */
  rest: REST;
  appId: string;
  log: Logger;
  metrics: WebMetrics;
  /** The checks /healthz reports (200 when all pass). */
  health: () => Record<string, boolean>;
  /** Largest body accepted (Discord's interactions are a few KiB). */
  maxBodyBytes?: number;
  /** The whole body must arrive within this, or the request is dropped (a slow client holds nothing for long). */
  bodyTimeoutMs?: number;
  /** A handler that has not answered by then gets "busy": Discord's 3 s, less a margin for the way back. */
  answerWithinMs?: number;
}

export const MAX_BODY_BYTES = 256 * 1024;

class Rejected extends Error {
  constructor(
    readonly status: number,
    readonly reason: Rejection,
  ) {
    super(reason);
  }
}

const SIGNATURE_REJECTION = { missing: 'signature_missing', malformed: 'signature_malformed', stale: 'signature_stale', mismatch: 'signature_mismatch' } as const;

export class InteractionEndpoint {
  /** Handlers still running (follow-ups after the response): a shutdown waits for them. */
  readonly inFlight = new Set<Promise<void>>();
  private readonly maxBody: number;
  private readonly bodyTimeoutMs: number;
  private readonly answerWithinMs: number;

  constructor(private readonly o: EndpointOptions) {
    this.maxBody = o.maxBodyBytes ?? MAX_BODY_BYTES;
    this.bodyTimeoutMs = o.bodyTimeoutMs ?? 2000;
    this.answerWithinMs = o.answerWithinMs ?? 2500;
  }

  /** The node:http request listener. */
  readonly listener = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz' || path === '/metrics') return void this.observe(path, req, res);
    void this.interaction(req, res).catch((e: Error) => {
      this.o.log.error({ err: e.message }, 'interaction request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
    });
  };

  private async observe(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: 'method not allowed' }, { allow: 'GET' });
    if (path === '/healthz') {
      const h = health(this.o.health());
      res.writeHead(h.status, { 'content-type': h.contentType }).end(h.body);
      return;
    }
    try {
      res.writeHead(200, { 'content-type': this.o.metrics.registry.contentType }).end(await this.o.metrics.text());
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(e as Error).message}\n`);
    }
  }

  private async interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let raw: Buffer;
    try {
      raw = await this.admit(req);
      const check = this.o.verifier.check(header(req, 'x-signature-ed25519'), header(req, 'x-signature-timestamp'), raw);
      if (!check.ok) throw new Rejected(401, SIGNATURE_REJECTION[check.problem]);
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      this.o.metrics.reject(e.reason);
      this.o.log.warn({ reason: e.reason, status: e.status }, 'rejected a request');
      send(res, e.status, { error: e.status === 401 ? 'invalid request signature' : e.reason }, e.status === 405 ? { allow: 'POST' } : {}, true);
      return;
    }
    let i: APIInteraction;
    try {
      i = JSON.parse(raw.toString('utf8')) as APIInteraction;
      if (typeof i !== 'object' || i === null || typeof i.type !== 'number') throw new Error('not an interaction');
    } catch {
      // Signed by Discord but not an interaction we can read: nothing to act on.
      this.o.metrics.reject('bad_json');
      send(res, 400, { error: 'bad_json' });
      return;
    }
    if (i.type === InteractionType.Ping) {
      send(res, 200, { type: InteractionResponseType.Pong });
      this.o.metrics.answered('ping', 'ping', (performance.now() - started) / 1000);
      return;
    }
    const { answer, outcome, kind, fresh } = await this.answer(i);
    send(res, 200, answer);
    // Recorded for a repeat delivery once the response is on its way (a repeat meanwhile waits for it).
    if (fresh) void this.o.deliveries.record(i.id, answer).catch((e: Error) => this.o.log.warn({ interaction: i.id, err: e.message }, 'could not record the answer'));
    const ms = performance.now() - started;
    this.o.metrics.answered(outcome, kind, ms / 1000);
    this.o.log.info({ interaction: i.id, kind, response: answer.type, repeat: outcome === 'repeat' || undefined, ms: Math.round(ms) }, 'interaction answered');
  }

  /** Method, path, content type, size and arrival time of the body: everything checked before the signature. */
  private async admit(req: IncomingMessage): Promise<Buffer> {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/interactions') throw new Rejected(404, 'path');
    if (req.method !== 'POST') throw new Rejected(405, 'method');
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new Rejected(415, 'content_type');
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > this.maxBody) throw new Rejected(413, 'too_large');
    return readBody(req, this.maxBody, this.bodyTimeoutMs);
  }

  /** Runs the handlers for a command or a button and resolves with the first answer (the HTTP response). */
  private async answer(i: APIInteraction): Promise<{ answer: InteractionResponse; outcome: 'answered' | 'repeat'; kind: string; fresh?: boolean }> {
    const kind = i.type === InteractionType.ApplicationCommand ? 'command' : i.type === InteractionType.MessageComponent ? 'button' : `type-${i.type}`;
    if (i.type === InteractionType.ApplicationCommandAutocomplete) {
      // Suggestions from the registry: no state, no job, nothing to claim; the choices are the response.
      const responder = new Responder(this.o.rest, this.o.appId, i.token, this.o.log);
      try {
        await routeAutocomplete(autocompleteContextOf(i, responder)!, this.o.svc);
      } catch (e) {
        this.o.log.error({ interaction: i.id, err: (e as Error).message }, 'autocomplete failed');
      }
      responder.answer({ type: InteractionResponseType.ApplicationCommandAutocompleteResult, data: { choices: [] } });
      return { answer: await responder.first, outcome: 'answered', kind: 'autocomplete' };
    }
    let claim;
    try {
      claim = await this.o.deliveries.claim(i.id);
    } catch (e) {
      this.o.log.warn({ interaction: i.id, err: (e as Error).message }, 'redis unavailable; answered busy');
      return { answer: ephemeral(BUSY), outcome: 'answered', kind };
    }
    if (claim.kind === 'repeat') return { answer: claim.answer, outcome: 'repeat', kind };
    if (claim.kind === 'orphaned') this.o.log.warn({ interaction: i.id }, 'took over a delivery whose first handler did not answer');

    const responder = new Responder(this.o.rest, this.o.appId, i.token, this.o.log);
    const ctx = commandContextOf(i, responder) ?? buttonContextOf(i, responder);
    if (!ctx) return { answer: ephemeral('Bard does not handle this kind of interaction.'), outcome: 'answered', kind };
    ctx.redelivered = claim.kind === 'orphaned';
    const timer = setTimeout(() => {
      if (responder.answer(ephemeral(BUSY))) this.o.log.warn({ interaction: i.id, ms: this.answerWithinMs }, 'handler too slow; answered busy');
    }, this.answerWithinMs);
    const work = (async () => {
      try {
        if ('command' in ctx) await routeCommand(ctx, this.o.svc);
        else await routeButton(ctx, this.o.svc);
      } catch (e) {
        this.o.log.error({ interaction: i.id, err: (e as Error).message }, 'interaction failed');
        if (responder.done) return;
      }
      // A handler that returns without a word still owes Discord an answer.
      responder.answer(ephemeral(SORRY));
    })().finally(() => {
      clearTimeout(timer);
      this.inFlight.delete(work);
    });
    this.inFlight.add(work);
    return { answer: await responder.first, outcome: 'answered', kind, fresh: true };
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? undefined : v;
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}, close = false): void {
  const payload = JSON.stringify(body);
  // A rejected request's connection is closed: whatever it still sends is not read.
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...(close ? { connection: 'close' } : {}), ...headers });
  res.end(payload);
}

/** The raw body, at most `max` bytes, all of it within `timeoutMs`. */
function readBody(req: IncomingMessage, max: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (e: Rejected) => {
      clearTimeout(timer);
      req.removeAllListeners('data');
      req.resume();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Rejected(408, 'slow_body')), timeoutMs);
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) return fail(new Rejected(413, 'too_large'));
      chunks.push(c);
    });
    req.on('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    req.on('error', () => fail(new Rejected(400, 'aborted')));
  });
}
