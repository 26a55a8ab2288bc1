/**
 * A small HTTP server for operations: /metrics (Prometheus text format) and /healthz. Only GET (and HEAD),
 * only the routes given; everything else is a 404. It never takes the process down: a port already in use
 * is reported to the caller, who logs it and carries on without the endpoint.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  contentType: string;
  body: string;
}

export type Route = () => Promise<Reply>;

export interface ObserveServer {
  /** The port it listens on (the chosen one when asked for port 0). */
  port: number;
  close(): Promise<void>;
}

export async function startObserveServer(port: number, routes: Record<string, Route>): Promise<ObserveServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route: Route | undefined = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(route ? 405 : 404, { 'content-type': 'text/plain' }).end(route ? 'method not allowed\n' : 'not found\n');
      return;
    }
    route().then(
      (r) => res.writeHead(r.status, { 'content-type': r.contentType }).end(req.method === 'HEAD' ? undefined : r.body),
      (e: Error) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${e.message}\n`),
    );
  });
  // Scrapers keep connections alive; they must not hold up a shutdown.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.unref();
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** JSON health answer: 200 when every check passes, 503 otherwise, with the checks in the body. */
export function health(checks: Record<string, boolean>, details: Record<string, unknown> = {}): Reply {
  const ok = Object.values(checks).every(Boolean);
  return { status: ok ? 200 : 503, contentType: 'application/json', body: `${JSON.stringify({ status: ok ? 'ok' : 'unhealthy', checks, ...details })}\n` };
}

/**
 * Starts a /healthz-only server (the bot's) on `port` (null = off, 0 = any free port), logging where it
 * listens; a port in use is logged and skipped. Resolves with the server, or null when there is none.
 */
export async function serveHealth(
  port: number | null,
  checks: () => Record<string, boolean>,
  log: { info(o: object, msg: string): void; warn(o: object, msg: string): void },
): Promise<ObserveServer | null> {
  if (port === null) return null;
  try {
    const s = await startObserveServer(port, { '/healthz': async () => health(checks()) });
    log.info({ port: s.port, paths: ['/healthz'] }, 'health listening');
    return s;
  } catch (e) {
    log.warn({ port, err: (e as Error).message }, 'health server not started');
    return null;
  }
}
