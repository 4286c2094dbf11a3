// A small fixed pool of store workers (one per core). Tasks queue in order; an aborted task that has not
// started is dropped; a worker that dies fails its task and is replaced.
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError } from './errors';
import type { WorkerReply, WorkerRequest } from './workerProtocol';

interface Task {
  req: WorkerRequest;
  onAbort?: () => void;
  transfer: ArrayBuffer[];
  signal?: AbortSignal;
  resolve(reply: WorkerReply): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  task?: Task;
}

// Bundled (dist/) and compiled (out/.../store/) layouts both put the worker file beside this module.
const WORKER_FILE = path.join(__dirname, 'storeWorker.js');

/**
 * A worker holds little on its heap (the blob data lives in native zstd buffers): a small young generation
 * keeps the garbage of many small decodes from growing each worker's RSS by tens of MiB.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(readonly size = Math.max(1, availableParallelism())) {}

  run(req: WorkerRequest, opts: { transfer?: ArrayBuffer[]; signal?: AbortSignal } = {}): Promise<WorkerReply> {
    if (this.closed) {
      return Promise.reject(new Error('the store worker pool is closed'));
    }
    if (opts.signal?.aborted) {
      return Promise.reject(new CancelledError());
    }
    return new Promise((resolve, reject) => {
      const task: Task = { req, transfer: opts.transfer ?? [], signal: opts.signal, resolve, reject };
      // Only a queued task can be dropped; the listener goes as soon as the task starts (many tasks share one signal).
      task.onAbort = () => this.dropQueued(task);
      opts.signal?.addEventListener('abort', task.onAbort, { once: true });
      this.queue.push(task);
      this.pump();
    });
  }

  /**
   * Starts every worker now rather than at the first task: a worker takes about 20 ms to load zstd, which a
   * verify-all overlaps with its first directory reads (a tenth of a 10,000-blob verify).
   */
  warm(): void {
    while (!this.closed && this.spawn()) {
      // spawn() returns undefined once the pool is full
    }
    for (const slot of this.slots) {
      if (!slot.task) {
        slot.worker.unref();
      }
    }
  }

  /** Number of tasks waiting or running: callers use it to bound how much they read ahead. */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.task).length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) {
      t.reject(new Error('the store worker pool is closed'));
    }
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private dropQueued(task: Task): void {
    const i = this.queue.indexOf(task);
    if (i >= 0) {
      this.queue.splice(i, 1);
      task.reject(new CancelledError());
    }
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.task) ?? this.spawn();
      if (!slot) {
        return;
      }
      const task = this.queue.shift()!;
      if (task.onAbort) {
        task.signal?.removeEventListener('abort', task.onAbort);
      }
      slot.task = task;
      slot.worker.ref();
      slot.worker.postMessage({ id: this.nextId++, req: task.req }, task.transfer);
    }
  }

  private spawn(): Slot | undefined {
    if (this.slots.length >= this.size) {
      return undefined;
    }
    const slot: Slot = { worker: new Worker(WORKER_FILE, { resourceLimits: WORKER_LIMITS }) };
    slot.worker.on('message', ({ reply }: { reply: WorkerReply }) => this.finish(slot, (t) => t.resolve(reply)));
    slot.worker.on('error', (err) => this.retire(slot, err));
    slot.worker.on('exit', (code) => this.retire(slot, new Error(`store worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot, settle: (t: Task) => void): void {
    const task = slot.task;
    slot.task = undefined;
    // An idle worker must not keep a CLI process alive.
    slot.worker.unref();
    if (task) {
      settle(task);
    }
    this.pump();
  }

  private retire(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) {
      return;
    }
    this.slots.splice(i, 1);
    slot.task?.reject(err);
    slot.task = undefined;
    if (!this.closed) {
      this.pump();
    }
  }
}
