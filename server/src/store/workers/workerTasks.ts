// What a store worker does with one request: level-19 compression, decode + re-hash. Kept apart from the
// thread wiring so a command-line process can also run a task on its own (otherwise idle) main thread.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { BatchResult, WorkerFailure, WorkerReply, WorkerRequest } from './workerProtocol';
import { COMPRESSION_LEVEL } from './workerProtocol';
import { DecodeFailure, assertFolderInside, decodeBytesSync, decodeFileSync } from '../io/decodeSync';
import { writeAllSync } from '../io/durableWrite';
import { TooLargeToCopy, copyCheckedSync } from '../io/copyCheckedSync';
import { NotRegularFileError } from '../errors';
import { packPageList } from './pageList';
import { startLayerScan } from './layerScans';
import { zstdEngine, type FrameCompressor } from '../io/zstdEngine';
import { shardOf } from '../../../../shared/blobs/digest';

// Created on the first put: a verify-only worker never pays for a level-19 context.
let compressor: FrameCompressor | undefined;

/** The frame comes back in an exact-size buffer that is handed (not copied) to the caller. */
function compressFrame(data: Uint8Array): Uint8Array {
  compressor ??= zstdEngine().createCompressor(COMPRESSION_LEVEL);
  return compressor.compress(data);
}

const ignoreOutput = (): void => undefined;

/**
 * Folders found inside the store during the current verify or copy (see the requests' `session`): shard names
 * for a verify, folder paths for a copy.
 */
let checkedShards = { session: -1, inside: new Set<string>() };

/** Thrown from a sink to stop a decode once enough is read. */
const ENOUGH = new Error('enough bytes');

function handle(req: WorkerRequest): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  switch (req.op) {
    case 'compress': {
      const out = compressFrame(req.data);
      // Hand the input buffer back too, so the caller can read the next frame into it instead of allocating.
      return {
        reply: { ok: true, data: out, input: req.data },
        transfer: [out.buffer as ArrayBuffer, req.data.buffer as ArrayBuffer],
      };
    }
    case 'verify': {
      const decodedBytes = decodeFileSync(req.path, req.hex, req.maxBytes, ignoreOutput, req.root);
      return { reply: { ok: true, decodedBytes }, transfer: [] };
    }
    case 'verifyBatch': {
      if (checkedShards.session !== req.session) {
        checkedShards = { session: req.session, inside: new Set() };
      }
      const shardsInside = checkedShards.inside;
      const results = req.hexes.map((hex): BatchResult => {
        const shard = shardOf(hex);
        const dir = `${req.blobsDir}${path.sep}${shard}`;
        const file = `${dir}${path.sep}${hex}.zst`;
        try {
          if (!shardsInside.has(shard)) {
            assertFolderInside(req.root, dir, file);
            shardsInside.add(shard);
          }
          return { ok: true, decodedBytes: decodeFileSync(file, hex, req.maxBytes, ignoreOutput) };
        } catch (err) {
          return failureOf(err);
        }
      });
      return { reply: { ok: true, results }, transfer: [] };
    }
    case 'copyChecked': {
      if (checkedShards.session !== req.session) {
        checkedShards = { session: req.session, inside: new Set() };
      }
      const foldersInside = checkedShards.inside;
      const results = req.items.map((item): BatchResult => {
        try {
          if (req.fromRoot !== undefined) {
            const dir = path.dirname(item.from);
            if (!foldersInside.has(dir)) {
              assertFolderInside(req.fromRoot, dir, item.from);
              foldersInside.add(dir);
            }
          }
          if (item.unlessPresent !== undefined && fs.lstatSync(item.unlessPresent, { throwIfNoEntry: false })) {
            return { ok: true, decodedBytes: 0, present: true };
          }
          return { ok: true, ...copyCheckedSync(item.from, item.to, item.hex, req.maxStored, req.maxBytes) };
        } catch (err) {
          return err instanceof TooLargeToCopy ? { ok: false, tooLarge: true, message: err.message } : failureOf(err);
        }
      });
      return { reply: { ok: true, results }, transfer: [] };
    }
    case 'verifyBytes': {
      const decodedBytes = decodeBytesSync(req.data, req.hex, req.maxBytes);
      return { reply: { ok: true, decodedBytes }, transfer: [] };
    }
    case 'pageRecords': {
      const chunks: Buffer[] = [];
      const decodedBytes = decodeFileSync(
        req.path,
        req.hex,
        req.maxBytes,
        (chunk) => chunks.push(Buffer.from(chunk)), // the decoder reuses `chunk`
        req.root,
      );
      const data = Buffer.concat(chunks);
      const records = packPageList(data);
      return records
        ? { reply: { ok: true, records, decodedBytes }, transfer: [records.buffer as ArrayBuffer] }
        : { reply: { ok: true, data, decodedBytes }, transfer: [] };
    }
    case 'decode': {
      const chunks: Uint8Array[] = [];
      const start = req.offset ?? 0;
      const end = req.length === undefined ? Infinity : start + req.length;
      let at = 0;
      const decodedBytes = decodeFileSync(
        req.path,
        req.hex,
        req.maxBytes,
        (chunk) => {
          const from = Math.max(start - at, 0);
          const to = Math.min(end - at, chunk.length);
          if (to > from) {
            chunks.push(Buffer.from(chunk.subarray(from, to)));
          } // the decoder reuses `chunk`
          at += chunk.length;
        },
        req.root,
      );
      const data = Buffer.concat(chunks);
      return { reply: { ok: true, data, decodedBytes }, transfer: [] };
    }
    case 'head': {
      const parts: Buffer[] = [];
      let held = 0;
      try {
        decodeFileSync(
          req.path,
          req.hex,
          Number.MAX_SAFE_INTEGER,
          (chunk) => {
            parts.push(Buffer.from(chunk.subarray(0, req.bytes - held)));
            held += Math.min(chunk.length, req.bytes - held);
            if (held >= req.bytes) {
              throw ENOUGH;
            }
          },
          req.root,
        );
      } catch (err) {
        if (err !== ENOUGH && !(err instanceof DecodeFailure && err.kind === 'hash-mismatch')) {
          throw err;
        }
      }
      return { reply: { ok: true, data: Buffer.concat(parts, held) }, transfer: [] };
    }
    case 'scanLayer': {
      const scan = startLayerScan(req.scan, req.params);
      const decodedBytes = decodeFileSync(req.path, req.hex, req.maxBytes, (chunk) => scan.chunk(chunk), req.root);
      return { reply: { ok: true, decodedBytes, value: scan.finish(decodedBytes) }, transfer: [] };
    }
    case 'decodeToFile': {
      // `wx`: the destination is a fresh temp name; never write through something already there.
      const fd = fs.openSync(req.dest, 'wx');
      try {
        const decodedBytes = decodeFileSync(
          req.path,
          req.hex,
          req.maxBytes,
          (chunk) => writeAllSync(fd, chunk),
          req.root,
        );
        fs.fsyncSync(fd);
        if (fs.fstatSync(fd).size !== decodedBytes) {
          throw Object.assign(new Error(`wrote ${fs.fstatSync(fd).size} of ${decodedBytes} bytes`), { code: 'EIO' });
        }
        return { reply: { ok: true, decodedBytes }, transfer: [] };
      } finally {
        fs.closeSync(fd);
      }
    }
  }
}

function failureOf(err: unknown): WorkerFailure {
  const e = err as NodeJS.ErrnoException;
  return err instanceof DecodeFailure || err instanceof NotRegularFileError
    ? { ok: false, integrity: err.kind, message: err.message }
    : { ok: false, notFound: e?.code === 'ENOENT', message: e?.message ?? String(err), errno: e?.code };
}

/** Runs one request; a failure becomes a reply, never a throw. */
export function runTask(req: WorkerRequest): { reply: WorkerReply; transfer: ArrayBuffer[] } {
  try {
    return handle(req);
  } catch (err) {
    return { reply: failureOf(err), transfer: [] };
  }
}
