/**
 * An in-process JobProducer with BullMQ's semantics that matter here: one job per id, delayed jobs.
 * `npm run play` uses it to run the worker's job code in the same process, with no Redis.
 */
import { jobIdFor, type EnqueueOptions, type Job, type JobProducer } from './jobs.ts';

export type JobRunner = (job: Job) => Promise<void>;

export class MemoryQueue implements JobProducer {
  private readonly seen = new Set<string>();
  private readonly delayed = new Map<string, { job: Job; timer: NodeJS.Timeout }>();
  private chain: Promise<void> = Promise.resolve();
  private runner: JobRunner | null = null;

  constructor(private readonly onError: (job: Job, e: unknown) => void = () => {}) {}

  /** Who runs the jobs (set after construction: the worker code needs the queue to schedule reveals). */
  setRunner(runner: JobRunner): void {
    this.runner = runner;
  }

  async add(job: Job, opts: EnqueueOptions = {}): Promise<void> {
    const id = jobIdFor(job);
    if (this.seen.has(id)) return;
    this.seen.add(id);
    const delay = opts.delayMs ?? 0;
    if (delay > 0) {
      const timer = setTimeout(() => this.promote(id), delay);
      timer.unref();
      this.delayed.set(id, { job, timer });
    } else {
      this.enqueue(job);
    }
  }

  /** Jobs run one at a time, in order, like a worker with concurrency 1. */
  private enqueue(job: Job): void {
    this.chain = this.chain.then(async () => {
      if (!this.runner) throw new Error('MemoryQueue has no runner');
      try {
        await this.runner(job);
      } catch (e) {
        this.onError(job, e);
      }
    });
  }

  private promote(id: string): void {
    const d = this.delayed.get(id);
    if (!d) return;
    clearTimeout(d.timer);
    this.delayed.delete(id);
    this.enqueue(d.job);
  }

  /** Runs every delayed job now (play's `reveal`). Returns how many there were. */
  promoteAll(): number {
    const ids = [...this.delayed.keys()];
    ids.forEach((id) => this.promote(id));
    return ids.length;
  }

  get delayedCount(): number {
    return this.delayed.size;
  }

  /** Resolves when every job queued so far (and any it queued without delay) has run. */
  async idle(): Promise<void> {
    let last: Promise<void>;
    do {
      last = this.chain;
      await last;
    } while (last !== this.chain);
  }
}
