/**
 * `npm run web`: the HTTP interactions endpoint, the stateless front door. Discord POSTs each interaction
 * to `POST /interactions` (set as the Interactions Endpoint URL in the Developer Portal); the HTTP response
 * is the first reply. Run as many replicas as you like behind a load balancer: they share nothing but
 * Redis. `GET /healthz` and `GET /metrics` are served on the same port (WEB_PORT).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { REST } from '@discordjs/rest';
import { frontDoorServices } from '../bot/services.ts';
import { loadConfigOrExit } from '../config.ts';
import { createLogger, logFatalErrors } from '../log.ts';
import { loadRegistryOrExit } from '../models/startup.ts';
import { Deliveries } from './deliveries.ts';
import { InteractionEndpoint } from './endpoint.ts';
import { WebMetrics } from './metrics.ts';
import { SignatureVerifier } from './signature.ts';

const config = loadConfigOrExit('web');
const log = createLogger('bard-web', config.logLevel, [config.discordToken]);
logFatalErrors(log);

// The models the commands offer; a job names one with its file's hash, which the workers check.
const services = frontDoorServices(config, log, loadRegistryOrExit('web', config, log));
const rest = new REST({ version: '10', retries: 0, ...(config.discordApiUrl ? { api: config.discordApiUrl } : {}) });
const endpoint = new InteractionEndpoint({
  verifier: new SignatureVerifier(config.publicKey!),
  svc: services.svc,
  deliveries: new Deliveries(services.svc.store),
  rest,
  appId: config.appId,
  log,
  metrics: new WebMetrics(),
  health: () => ({ redis: services.redisReady() }),
});

const server = createServer(endpoint.listener);
// A request's headers and body must arrive promptly; an idle keep-alive connection (the load balancer's) is kept a while.
server.headersTimeout = 5000;
server.requestTimeout = 10_000;
server.keepAliveTimeout = 65_000;
server.on('error', (e) => {
  process.stderr.write(`bard web: cannot listen on port ${config.webPort}: ${e.message}\n`);
  process.exit(1);
});
// Take requests once Redis answers, so a fresh replica does not answer its first ones "busy"; but not later than
// REDIS_WAIT_MS: with Redis away, a "busy, try again shortly" still tells users more than a refused connection.
const REDIS_WAIT_MS = 5000;
if (!(await services.waitForRedis(REDIS_WAIT_MS))) log.warn({ waitedMs: REDIS_WAIT_MS }, 'redis not reachable yet; answering busy until it is');
server.listen(config.webPort, () => {
  const port = (server.address() as AddressInfo).port;
  log.info({ port, paths: ['POST /interactions', 'GET /healthz', 'GET /metrics'], queue: config.queueName, prefix: config.prefix }, 'web listening');
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  log.info({ signal, inFlight: endpoint.inFlight.size }, 'shutting down');
  // Stop taking requests (the load balancer sends them to another replica), finish the ones in flight, within a bound.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const done = Promise.all([closed, Promise.allSettled([...endpoint.inFlight])]);
  await Promise.race([done, new Promise((r) => setTimeout(r, config.shutdownTimeoutMs).unref())]);
  await services.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
