/**
 * ioredis connections, one factory per use, because BullMQ's rules differ:
 *  - producers (the bot) fail fast: no offline queue, short command timeout, so a Redis outage
 *    becomes an ephemeral "busy" within Discord's 3 s instead of a hung interaction;
 *  - workers wait forever for Redis (maxRetriesPerRequest: null), as BullMQ requires for blocking calls.
 */
import { Redis } from 'ioredis';

export function producerConnection(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 1000,
    connectTimeout: 2000,
    // Keep trying to reconnect in the background, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}

export function workerConnection(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
}
