// Worker thread: the CPU-heavy half of the store (level-19 compression, decode + re-hash, layer scans), so the
// language server's main thread keeps answering hovers while a put or a verify runs. This file is the worker's
// composition root: it alone may import both the worker room and the layer scans it runs (eslint.config.mjs).
import { parentPort } from 'node:worker_threads';
import type { WorkerRequest } from './workers/workerProtocol';
import { runTask } from './workers/workerTasks';
import './layers/layerScanList';

parentPort?.on('message', ({ id, req }: { id: number; req: WorkerRequest }) => {
  const result = runTask(req);
  parentPort?.postMessage({ id, reply: result.reply }, result.transfer);
});
