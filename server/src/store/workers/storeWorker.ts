// Worker thread: the CPU-heavy half of the store (level-19 compression, decode + re-hash), so the
// language server's main thread keeps answering hovers while a put or a verify runs.
import { parentPort } from 'node:worker_threads';
import type { WorkerRequest } from './workerProtocol';
import { runTask } from './workerTasks';

parentPort?.on('message', ({ id, req }: { id: number; req: WorkerRequest }) => {
  const result = runTask(req);
  parentPort?.postMessage({ id, reply: result.reply }, result.transfer);
});
