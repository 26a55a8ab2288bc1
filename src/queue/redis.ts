/**
 * ioredis connections, one factory per use, because BullMQ's rules differ:
 *  - producers (the bot) fail fast: no offline queue, short command timeout, so a Redis outage
 *    becomes an ephemeral "busy" within Discord's 3 s instead of a hung interaction;
 *  - workers wait forever for Redis (maxRetriesPerRequest: null), as BullMQ requires for blocking calls.
 * `autoPipelining` is for our own store's connection, never BullMQ's (whose maintainers advise against it):
 * the store commands that a burst of jobs issues in one event-loop turn go to Redis as one write.
 */
import { Redis } from 'ioredis';

export interface ConnectionOptions {
  autoPipelining?: boolean;
}

export function producerConnection(url: string, opts: ConnectionOptions = {}): Redis {
  return new Redis(url, {
    enableAutoPipelining: opts.autoPipelining ?? false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    // Keep trying to reconnect in the background, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

export function workerConnection(url: string, opts: ConnectionOptions = {}): Redis {
  return new Redis(url, {
    enableAutoPipelining: opts.autoPipelining ?? false,
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
