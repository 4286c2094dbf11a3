// Worker thread: the CPU-heavy half of the store (level-19 compression, decode + re-hash), so the
// language server's main thread keeps answering hovers while a put or a verify runs.
import * as fs from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { Compressor } from 'zstd-napi';
import type { WorkerReply, WorkerRequest } from './workerProtocol';
import { COMPRESSION_LEVEL } from './workerProtocol';
import { DecodeFailure, decodeBytesSync, decodeFileSync } from './decodeSync';

const compressor = new Compressor();
compressor.setParameters({ compressionLevel: COMPRESSION_LEVEL });

function handle(req: WorkerRequest): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  switch (req.op) {
    case 'compress': {
      const out = compressor.compress(req.data);
      // Hand the input buffer back too, so the caller can read the next frame into it instead of allocating.
      return { reply: { ok: true, data: out, input: req.data }, transfer: [req.data.buffer as ArrayBuffer] };
    }
    case 'verify': {
      const decodedBytes = decodeFileSync(req.path, req.hex, req.maxBytes, () => undefined);
      return { reply: { ok: true, decodedBytes }, transfer: [] };
    }
    case 'verifyBytes': {
      const decodedBytes = decodeBytesSync(req.data, req.hex, req.maxBytes);
      return { reply: { ok: true, decodedBytes }, transfer: [] };
    }
    case 'decode': {
      const chunks: Uint8Array[] = [];
      const start = req.offset ?? 0;
      const end = req.length === undefined ? Infinity : start + req.length;
      let at = 0;
      const decodedBytes = decodeFileSync(req.path, req.hex, req.maxBytes, (chunk) => {
        const from = Math.max(start - at, 0);
        const to = Math.min(end - at, chunk.length);
        if (to > from) chunks.push(Buffer.from(chunk.subarray(from, to))); // the decoder reuses `chunk`
        at += chunk.length;
      });
      const data = Buffer.concat(chunks);
      return { reply: { ok: true, data, decodedBytes }, transfer: [] };
    }
    case 'decodeToFile': {
      const fd = fs.openSync(req.dest, 'w');
      try {
        const decodedBytes = decodeFileSync(req.path, req.hex, req.maxBytes, (chunk) => {
          fs.writeSync(fd, chunk);
        });
        fs.fsyncSync(fd);
        return { reply: { ok: true, decodedBytes }, transfer: [] };
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}

parentPort?.on('message', ({ id, req }: { id: number; req: WorkerRequest }) => {
  let result: { reply: WorkerReply; transfer: ArrayBuffer[] };
  try {
    result = handle(req);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const reply: WorkerReply =
      err instanceof DecodeFailure
        ? { ok: false, integrity: err.kind, message: err.message }
        : { ok: false, notFound: e?.code === 'ENOENT', message: e?.message ?? String(err) };
    result = { reply, transfer: [] };
  }
  parentPort?.postMessage({ id, reply: result.reply }, result.transfer);
});
