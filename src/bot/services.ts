/**
 * What a front door (the gateway bot or the HTTP endpoint) needs to run the command handlers: the job
 * producer, which fails fast when Redis is away, and the store for cooldowns and state, each on its own
 * connection. `close()` runs every step and logs each failure.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import type { ModelRegistry } from '../models/registry.ts';
import { BullProducer } from '../queue/producer.ts';
import { producerConnection } from '../queue/redis.ts';
import { randomSeed } from '../rnn/rng.ts';
import { RedisStore } from '../store/redis.ts';
import type { Services } from './context.ts';

export interface FrontDoorServices {
  svc: Services;
  producer: BullProducer;
  /** The store's connection (cooldowns, state; the HTTP front door's delivery records). */
  storeRedis: Redis;
  redisReady(): boolean;
  /** Resolves once both connections are up, or after `timeoutMs` (false): a front door then answers "busy". */
  waitForRedis(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export function frontDoorServices(config: Config, log: Logger, models: ModelRegistry): FrontDoorServices {
  const redis = producerConnection(config.redisUrl);
  redis.on('error', (e) => log.warn({ err: e.message }, 'redis connection error'));
  const producer = new BullProducer(redis, config.queueName, config.prefix);
  // Cooldowns and round state on their own pipelined connection, apart from BullMQ's.
  const storeRedis = producerConnection(config.redisUrl, { autoPipelining: true });
  storeRedis.on('error', (e) => log.warn({ err: e.message }, 'redis (store) connection error'));
  const svc: Services = {
    store: new RedisStore(storeRedis, config.prefix),
    producer,
    models,
    settings: config,
    log,
    now: Date.now,
    seed: randomSeed,
  };
  return {
    svc,
    producer,
    storeRedis,
    redisReady: () => redis.status === 'ready' && storeRedis.status === 'ready',
    async waitForRedis(timeoutMs) {
      const until = Date.now() + timeoutMs;
      while (!(redis.status === 'ready' && storeRedis.status === 'ready')) {
        if (Date.now() >= until) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    async close() {
      await producer.close().catch((e: Error) => log.warn({ err: e.message }, 'closing the queue failed'));
      redis.disconnect();
      storeRedis.disconnect();
    },
  };
}
