import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobIdFor, QueueUnavailableError, type EnqueueOptions, type Job, type JobProducer } from './jobs.ts';

/** At-least-once delivery: a job may run again after a crash, so it is retried a little and posting is idempotent. */
export const JOB_OPTIONS = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 1000 },
  // A finished job's id dedupes its interaction, which can only be answered while its token lives (15 min).
  removeOnComplete: { age: 15 * 60, count: 5000 },
  removeOnFail: { age: 24 * 3600 },
} as const;

/** Bounds every add, whatever the connection is doing: a producer answers within this time or fails. */
const ADD_TIMEOUT_MS = 1500;

/** The BullMQ producer: adds jobs with ids derived from their interaction, failing fast when Redis is away. */
export class BullProducer implements JobProducer {
  readonly queue: Queue;

  constructor(
    private readonly redis: Redis,
    name: string,
    prefix: string,
  ) {
    const connection = redis;
    this.queue = new Queue(name, { connection, prefix, defaultJobOptions: JOB_OPTIONS });
    // Errors surface through add(); an unhandled 'error' event would crash the process.
    this.queue.on('error', () => {});
  }

  async add(job: Job, opts: EnqueueOptions = {}): Promise<void> {
    if (this.redis.status !== 'ready') throw new QueueUnavailableError('Redis is not connected');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new QueueUnavailableError(`enqueue took longer than ${ADD_TIMEOUT_MS} ms`)), ADD_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.queue.add(job.name, job.data, { jobId: jobIdFor(job), delay: opts.delayMs ?? 0 }), timeout]);
    } catch (e) {
      if (e instanceof QueueUnavailableError) throw e;
      throw new QueueUnavailableError(`enqueue failed: ${(e as Error).message}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
