// Fault injection: queued answers for requests whose method and path match, consumed one per request.

export type PathMatcher = string | RegExp | ((method: string, path: string) => boolean);

export interface FaultSpec {
  /** Path after /api/vN. A string may use `*` for one path segment and `**` for any rest: "/webhooks/*\/*\/messages/@original". */
  path: PathMatcher;
  method?: string;
  /** How many matching requests this fault answers (default 1; Infinity for all). */
  times?: number;
  /** Answer with this status. Omit to pass the request through (after delayMs) to the normal handler. */
  status?: number;
  /** JSON body of the answer; a Discord-style default is chosen from the status. */
  body?: unknown;
  headers?: Record<string, string>;
  /** For 429: seconds to wait, sent as `retry_after` in the body and as Retry-After / X-RateLimit-Reset-After headers. */
  retryAfter?: number;
  /** For 429: a global rate limit (X-RateLimit-Global, scope "global"). */
  global?: boolean;
  /** Wait this long before answering (or before passing through). */
  delayMs?: number;
  /** Destroy the socket without answering, like a connection reset. */
  drop?: boolean;
}

export interface FaultHandle {
  readonly spec: FaultSpec;
  /** Requests this fault has answered so far. */
  readonly hits: number;
  readonly remaining: number;
  cancel(): void;
}

export class Fault implements FaultHandle {
  hits = 0;
  private left: number;
  private readonly test: (method: string, path: string) => boolean;

  constructor(readonly spec: FaultSpec) {
    this.left = spec.times ?? 1;
    this.test = compileMatcher(spec.path);
  }

  get remaining(): number {
    return this.left;
  }

  cancel(): void {
    this.left = 0;
  }

  /** Consumes one use when method and path match. */
  take(method: string, path: string): boolean {
    if (this.left <= 0) return false;
    if (this.spec.method && this.spec.method.toUpperCase() !== method.toUpperCase()) return false;
    if (!this.test(method, path)) return false;
    this.left -= 1;
    this.hits += 1;
    return true;
  }

  answer(): { status: number; body: unknown; headers: Record<string, string> } {
    const status = this.spec.status!;
    const headers: Record<string, string> = {};
    let body = this.spec.body;
    if (status === 429) {
      const retryAfter = this.spec.retryAfter ?? 0.1;
      const global = this.spec.global ?? false;
      // Real Discord rounds the header up to whole seconds; the exact value keeps tests fast and @discordjs/rest reads either.
      Object.assign(headers, {
        'retry-after': String(retryAfter),
        'x-ratelimit-limit': '5',
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset-after': String(retryAfter),
        'x-ratelimit-reset': String((Date.now() / 1000 + retryAfter).toFixed(3)),
        'x-ratelimit-bucket': 'fakebucket',
        'x-ratelimit-scope': global ? 'global' : 'user',
      });
      if (global) headers['x-ratelimit-global'] = 'true';
      body ??= { message: 'You are being rate limited.', retry_after: retryAfter, global, code: global ? 0 : undefined };
    }
    body ??= defaultBody(status);
    return { status, body, headers: { ...headers, ...lowerKeys(this.spec.headers ?? {}) } };
  }
}

function defaultBody(status: number): unknown {
  switch (status) {
    case 401:
      return { message: 'Invalid Webhook Token', code: 50027 };
    case 403:
      return { message: 'Missing Access', code: 50001 };
    case 404:
      return { message: 'Unknown Webhook', code: 10015 };
    default:
      return { message: `${status}: ${status >= 500 ? 'Server Error' : 'Error'}`, code: 0 };
  }
}

function lowerKeys(h: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
}

export function compileMatcher(m: PathMatcher): (method: string, path: string) => boolean {
  if (typeof m === 'function') return m;
  if (m instanceof RegExp) return (_method, path) => m.test(path);
  const re = new RegExp(
    '^' +
      m
        .split(/(\*\*|\*)/)
        .map((part) => (part === '**' ? '.*' : part === '*' ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
        .join('') +
      '$',
  );
  return (_method, path) => re.test(path);
}
