// HTTP delivery: the fake as Discord with an Interactions Endpoint URL. Each interaction is signed with the
// run's Ed25519 key (over timestamp + body, as Discord does) and POSTed to the endpoint; the HTTP response is
// the first reply and goes through the same rules as a callback (deadline, types, one answer only).
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { DiscordReject } from './errors.ts';
import { handle, matchRoute, type RestHost } from './rest.ts';
import type { InteractionState, RecordedRequest } from './types.ts';

const now = () => performance.timeOrigin + performance.now();

/** What one delivery came to: the endpoint's status and body, and whether the fake took it as the first reply. */
export interface HttpDeliveryResult {
  status: number;
  body: any;
  /** Request sent → response received, ms. */
  ms: number;
  /** 'accepted' (applied as the first reply), 'timeout' (no response within the deadline), 'error' (status, body or network), 'refused' (a second reply, or too late). */
  outcome: 'accepted' | 'timeout' | 'error' | 'refused';
  error?: string;
}

/** Something the app did that Discord would not take: answering both in the response and by the callback, a bad response. */
export interface DeliveryViolation {
  interactionId: string;
  what: string;
}

export interface SignedRequest {
  body: string;
  headers: Record<string, string>;
}

export interface DeliveryHost extends RestHost {
  recordRequest(rec: RecordedRequest): void;
  nextSeq(): number;
  emitAck(ix: InteractionState): void;
}

export class HttpDelivery {
  readonly publicKeyHex: string;
  readonly violations: DeliveryViolation[] = [];
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  /** The exact request each interaction went out as: a test replays it byte for byte. */
  readonly sent = new Map<string, SignedRequest>();
  private readonly privateKey: KeyObject;

  constructor(
    private readonly host: DeliveryHost,
    public url: string | null = null,
  ) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    this.privateKey = privateKey;
    // The raw 32-byte key is the tail of its SPKI encoding; Discord shows it as 64 hex characters.
    this.publicKeyHex = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32).toString('hex');
  }

  /** Headers and body exactly as Discord sends them; `key` signs with another key (a probe), `timestamp` overrides the clock. */
  sign(payload: unknown, opts: { key?: KeyObject; timestamp?: string } = {}): SignedRequest {
    const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    const timestamp = opts.timestamp ?? String(Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(timestamp + body), opts.key ?? this.privateKey).toString('hex');
    return {
      body,
      headers: { 'content-type': 'application/json', 'x-signature-ed25519': signature, 'x-signature-timestamp': timestamp, 'user-agent': 'Discord-Interactions/1.0 (+https://discord.com)' },
    };
  }

  /** POSTs a signed request (or anything else) to the endpoint, with Discord's deadline. */
  post(req: SignedRequest, timeoutMs: number): Promise<{ status: number; body: any; ms: number }> {
    const url = this.url;
    if (!url) return Promise.reject(new Error('fake-discord: no interactions endpoint URL set'));
    const t0 = now();
    // node:http with kept-alive connections: a burst costs the fake far less CPU than fetch() would, and the fake
    // shares the machine with what it measures.
    return new Promise((resolve, reject) => {
      const r = request(url, { method: 'POST', headers: { ...req.headers, 'content-length': Buffer.byteLength(req.body) }, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            // Not JSON: kept as text.
          }
          resolve({ status: res.statusCode ?? 0, body, ms: now() - t0 });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      const timer = setTimeout(() => {
        const e = new Error(`no response within ${timeoutMs} ms`);
        e.name = 'TimeoutError';
        r.destroy(e);
      }, timeoutMs);
      r.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      r.end(req.body);
    });
  }

  /** Closes the kept-alive connections to the endpoint. */
  close(): void {
    this.agent.destroy();
  }

  /** Delivers an interaction and applies the response as its first reply. */
  async deliver(ix: InteractionState): Promise<HttpDeliveryResult> {
    const t0 = now();
    let got: { status: number; body: any; ms: number };
    try {
      const signed = this.sign(ix.payload);
      this.sent.set(ix.id, signed);
      got = await this.post(signed, this.host.callbackDeadlineMs);
    } catch (e) {
      const timeout = (e as Error).name === 'TimeoutError';
      if (timeout && !ix.ack) ix.expired = true;
      return { status: 0, body: undefined, ms: now() - t0, outcome: timeout ? 'timeout' : 'error', error: (e as Error).message };
    }
    const result: HttpDeliveryResult = { ...got, outcome: 'accepted' };
    const rec: RecordedRequest = {
      seq: this.host.nextSeq(),
      method: 'POST',
      path: `/interactions/${ix.id}/${ix.token}/callback`,
      version: null,
      query: {},
      headers: {},
      body: got.body,
      files: [],
      route: 'interactionResponse',
      params: { interactionId: ix.id, token: ix.token },
      interactionId: ix.id,
      allowedMentions: got.body?.data?.allowed_mentions,
      status: got.status,
      response: undefined,
      injected: false,
      time: now(),
      respondedAt: now(),
    };
    if (got.status !== 200 || typeof got.body !== 'object' || got.body === null) {
      result.outcome = 'error';
      result.error = `endpoint answered ${got.status}`;
    } else {
      const wasAcked = ix.ack !== null;
      try {
        const matched = matchRoute('POST', rec.path)!;
        handle(this.host, matched, { method: 'POST', path: rec.path, query: {}, headers: {}, body: got.body, files: [], time: rec.time, params: matched.params });
        this.host.emitAck(ix);
      } catch (e) {
        if (!(e instanceof DiscordReject)) throw e;
        result.outcome = 'refused';
        result.error = e.message;
        this.violations.push({ interactionId: ix.id, what: wasAcked ? `answered in the response after a callback: ${e.message}` : `response refused: ${e.message}` });
      }
    }
    this.host.recordRequest(rec);
    return result;
  }
}
