/**
 * The HTTP front door's Prometheus metrics (one registry per replica):
 *
 *   bard_web_requests_total{outcome}        POST /interactions by outcome: answered, ping, repeat, rejected
 *   bard_web_rejected_total{reason}         rejected requests by reason (signature_mismatch, stale, too_large, …)
 *   bard_web_response_seconds{kind}         request to response, by interaction kind (command, button, ping, …)
 * plus Node's default process metrics.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export type Rejection =
  | 'method'
  | 'path'
  | 'content_type'
  | 'too_large'
  | 'slow_body'
  | 'aborted'
  | 'signature_missing'
  | 'signature_malformed'
  | 'signature_stale'
  | 'signature_mismatch'
  | 'bad_json';

export class WebMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'outcome'>;
  private readonly rejected: Counter<'reason'>;
  private readonly seconds: Histogram<'kind'>;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'bard_web_requests_total', help: 'POST /interactions requests by outcome', labelNames: ['outcome'], registers });
    this.rejected = new Counter({ name: 'bard_web_rejected_total', help: 'Requests rejected before any work, by reason', labelNames: ['reason'], registers });
    this.seconds = new Histogram({
      name: 'bard_web_response_seconds',
      help: 'Time from request to response, by interaction kind',
      labelNames: ['kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3],
      registers,
    });
  }

  reject(reason: Rejection): void {
    this.requests.inc({ outcome: 'rejected' });
    this.rejected.inc({ reason });
  }

  answered(outcome: 'answered' | 'ping' | 'repeat', kind: string, seconds: number): void {
    this.requests.inc({ outcome });
    this.seconds.observe({ kind }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
