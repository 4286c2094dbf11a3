// A small fixed pool of store workers (one per core). Tasks queue in order; an aborted task that has not
// started is dropped; a worker that dies fails its task and is replaced. A command-line process may also lend
// its own main thread (it only waits otherwise): that thread starts verifying while the workers boot.
import { availableParallelism } from 'node:os';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../errors';
import type { WorkerReply, WorkerRequest } from './workerProtocol';
import { runTask } from './workerTasks';

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
  /** Posted and not yet answered, by message id; a worker answers in order. */
  tasks: Map<number, Task>;
}

// Bundled (dist/) and compiled (out/.../store/) layouts both put the worker file beside this module.
// One folder up in the compiled tree (the entry sits at the store's root); beside the bundle in dist/.
const WORKER_FILE = [path.join(__dirname, '..', 'storeWorker.js'), path.join(__dirname, 'storeWorker.js')].find((f) =>
  fs.existsSync(f),
)!;

/**
 * A worker holds little on its heap (the blob data lives in native zstd buffers): a small young generation
 * keeps the garbage of many small decodes from growing each worker's RSS by tens of MiB.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 };

export interface PoolOptions {
  /**
   * The calling thread stands in for one of the workers on verify batches (the CLI; never the language
   * server, whose main thread must keep answering). Measured on a 10,000-blob verify with two cores: two
   * workers 233 ms, one worker plus the main thread 219 ms (a worker costs 15-20 ms of CPU to boot, and the
   * CLI's main thread only waits otherwise). Only batches run there: a level-19 compression of one frame
   * takes a second and would hold up progress output and Ctrl-C, so puts still get every worker.
   */
  helpOnCallingThread?: boolean;
  /**
   * Each worker holds its next verify batch while it runs one (see PIPELINE_DEPTH). The CLI turns it on; the
   * language server does not: there a hover's decode would wait behind a worker's second batch.
   */
  pipelineBatches?: boolean;
}

const CALLING_THREAD_OPS: ReadonlySet<WorkerRequest['op']> = new Set(['verifyBatch']);

/**
 * With `pipelineBatches`, a worker holds its next verify batch while it runs one, so it never waits for the
 * main thread to read its reply and post again (in the CLI the main thread verifies batches itself, and a
 * worker's reply waits until it finishes one). Only for batches, which are short and alike: nothing else ever
 * queues on a busy worker while another may be free.
 */
const PIPELINE_DEPTH = 2;
const PIPELINED_OPS = CALLING_THREAD_OPS;

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;
  private callingThreadBusy = false;

  constructor(
    readonly size = Math.max(1, availableParallelism()),
    private readonly opts: PoolOptions = {},
  ) {}

  /**
   * Whether the calling thread may block on short synchronous work (it helps with batches: a CLI process). A
   * verify-all then reads shard folders synchronously too: 3% of a 10,000-blob verify went to promise and
   * thread-pool hops for 256 small directory reads (216 against 222 ms, measured).
   */
  get callingThreadMayBlock(): boolean {
    return this.opts.helpOnCallingThread === true;
  }

  /** Threads that run verify batches at once: callers size their read-ahead on it. */
  get parallelism(): number {
    return this.size;
  }

  /** How many workers may run `op` (the calling thread stands in for one of them on batches). */
  private workersFor(op: WorkerRequest['op']): number {
    return this.opts.helpOnCallingThread && CALLING_THREAD_OPS.has(op) ? this.size - 1 : this.size;
  }

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
    while (!this.closed && this.spawn(this.workersFor('verifyBatch'))) {
      // spawn() returns undefined once the pool is full
    }
    for (const slot of this.slots) {
      if (slot.tasks.size === 0) {
        slot.worker.unref();
      }
    }
  }

  /** Number of tasks waiting or running: callers use it to bound how much they read ahead. */
  get pending(): number {
    return this.queue.length + this.slots.reduce((n, s) => n + s.tasks.size, 0);
  }

  /** Tasks posted to each live worker and not yet answered (what the scheduling tests look at). */
  get postedPerWorker(): number[] {
    return this.slots.map((s) => s.tasks.size);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.queue.splice(0)) {
      t.reject(new Error('the store worker pool is closed'));
    }
    // Tasks still running end with their workers: say so to whoever waits (the workers' exit events find no slot).
    const slots = this.slots.splice(0);
    for (const slot of slots) {
      for (const task of slot.tasks.values()) {
        task.reject(new Error('the store worker pool is closed'));
      }
      slot.tasks.clear();
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
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
      const next = this.queue[0];
      const slot =
        this.slots.find((s) => s.tasks.size === 0) ??
        this.spawn(this.workersFor(next.req.op)) ??
        this.slotToPipeline(next);
      if (!slot) {
        this.helpOnCallingThread();
        return;
      }
      const task = this.start(this.queue.shift()!);
      const id = this.nextId++;
      slot.tasks.set(id, task);
      slot.worker.ref();
      slot.worker.postMessage({ id, req: task.req }, task.transfer);
    }
  }

  /** A busy worker that may take `task` as its next one (see PIPELINE_DEPTH). */
  private slotToPipeline(task: Task): Slot | undefined {
    if (!this.opts.pipelineBatches || !PIPELINED_OPS.has(task.req.op)) {
      return undefined;
    }
    return this.slots.find(
      (s) => s.tasks.size < PIPELINE_DEPTH && [...s.tasks.values()].every((t) => PIPELINED_OPS.has(t.req.op)),
    );
  }

  private start(task: Task): Task {
    if (task.onAbort) {
      task.signal?.removeEventListener('abort', task.onAbort);
    }
    return task;
  }

  /** Every worker is busy: the calling thread takes the first queued batch, if it may and is free. */
  private helpOnCallingThread(): void {
    if (!this.opts.helpOnCallingThread || this.callingThreadBusy) {
      return;
    }
    const i = this.queue.findIndex((t) => CALLING_THREAD_OPS.has(t.req.op));
    if (i < 0) {
      return;
    }
    const task = this.start(this.queue.splice(i, 1)[0]);
    this.callingThreadBusy = true;
    // After the current turn, so replies already waiting are handled first and the caller's promise is async.
    setImmediate(() => {
      const { reply } = runTask(task.req);
      this.callingThreadBusy = false;
      task.resolve(reply);
      this.pump();
    });
  }

  private spawn(limit: number): Slot | undefined {
    if (this.slots.length >= limit) {
      return undefined;
    }
    const slot: Slot = { worker: new Worker(WORKER_FILE, { resourceLimits: WORKER_LIMITS }), tasks: new Map() };
    slot.worker.on('message', ({ id, reply }: { id: number; reply: WorkerReply }) => this.finish(slot, id, reply));
    slot.worker.on('error', (err) => this.retire(slot, err));
    slot.worker.on('exit', (code) => this.retire(slot, new Error(`store worker exited with code ${code}`)));
    this.slots.push(slot);
    return slot;
  }

  private finish(slot: Slot, id: number, reply: WorkerReply): void {
    const task = slot.tasks.get(id);
    slot.tasks.delete(id);
    if (slot.tasks.size === 0) {
      // An idle worker must not keep a CLI process alive.
      slot.worker.unref();
    }
    task?.resolve(reply);
    this.pump();
  }

  private retire(slot: Slot, err: Error): void {
    const i = this.slots.indexOf(slot);
    if (i < 0) {
      return;
    }
    this.slots.splice(i, 1);
    for (const task of slot.tasks.values()) {
      task.reject(err);
    }
    slot.tasks.clear();
    if (!this.closed) {
      this.pump();
    }
  }
}
