// Synchronous streaming decode + re-hash of one blob file. Runs inside worker threads only: it reads the
// file in slices, so a 1 GiB blob never sits in memory, and it stops at the size limit (bomb guard).
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as nodePath from 'node:path';
import type { IntegrityKind } from '../errors';
import { NotRegularFileError } from '../errors';
import { insideRootSync, openRegularSync } from './safeOpen';
import { declaredContentSize } from './zstdFrame';
import { zstdEngine, type StreamDecoder } from './zstdEngine';

export class DecodeFailure extends Error {
  constructor(
    readonly kind: IntegrityKind,
    message: string,
  ) {
    super(message);
  }
}

/** Bytes read from a blob file at a time (tests align frames to it). */
export const READ_SLICE = 256 << 10;

// crypto.hash arrived in Node 20.12; the editor's own Node may be older.
const oneShot = (crypto as { hash?: (algorithm: string, data: Uint8Array, encoding: 'hex') => string }).hash;
const hashOnce = (data: Uint8Array): string =>
  oneShot ? oneShot('sha256', data, 'hex') : crypto.createHash('sha256').update(data).digest('hex');

/**
 * Decodes `path`, passing each decoded chunk to `sink` (the chunk buffer is reused: copy what you keep),
 * and checks the SHA-256 of the whole against `hex`. Returns the decoded size.
 * Throws DecodeFailure for integrity problems and the fs error when the file cannot be read.
 */
export function decodeFileSync(
  path: string,
  hex: string,
  maxBytes: number,
  sink: (chunk: Buffer) => void,
  root?: string,
): number {
  if (root !== undefined) {
    assertFolderInside(root, nodePath.dirname(path), path);
  }
  const { fd, info } = openRegularSync(path);
  try {
    const read = (buf: Buffer, position: number) => fs.readSync(fd, buf, 0, buf.length, position);
    return decodeSync(read, info.size, hex, maxBytes, sink);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A shard folder that is a symbolic link to elsewhere must not make us read (and hash, and echo) a file
 * outside the store; the final component is never followed (openRegularSync). A verify batch calls this once
 * per shard, not per blob (realpath is a third of a small blob's cost).
 */
export function assertFolderInside(root: string, dir: string, file: string): void {
  if (!insideRootSync(root, dir)) {
    throw new NotRegularFileError(file, 'reached through a symbolic link that leaves the store');
  }
}

/** The same check on bytes in memory (a layer just downloaded, a blob file about to be pushed). */
export function decodeBytesSync(data: Uint8Array, hex: string, maxBytes: number): number {
  return decodeSync(
    (buf: Buffer, position: number) => {
      const n = Math.max(0, Math.min(buf.length, data.length - position));
      buf.set(data.subarray(position, position + n));
      return n;
    },
    data.length,
    hex,
    maxBytes,
    () => undefined,
  );
}

// One decompression context per thread, reset between blobs. pf-core's frames declare an 8 MiB window even
// for a 1-byte blob, so a context created per blob allocates 8 MiB each time (docs/decisions.md).
// The read and output buffers are per thread too: decodes never nest, and sinks copy what they keep.
let sharedDctx: StreamDecoder | undefined;
let sharedInput: Buffer | undefined;
let sharedOut: Buffer | undefined;

function freshDctx(): StreamDecoder {
  sharedDctx ??= zstdEngine().createDecoder();
  sharedDctx.reset();
  return sharedDctx;
}

/**
 * `size` is the length the file had when opened: the read loop stops there instead of asking for an end of
 * file it already knows of (one read call saved per blob: a tenth of a small blob's cost). A blob file is
 * renamed into place whole and never grows; one that shrank meanwhile still ends at the first empty read.
 */
function decodeSync(
  read: (into: Buffer, position: number) => number,
  size: number,
  hex: string,
  maxBytes: number,
  sink: (chunk: Buffer) => void,
): number {
  const dctx = freshDctx();
  let hash: crypto.Hash | undefined;
  let digest: string | undefined;
  const input = (sharedInput ??= Buffer.allocUnsafe(READ_SLICE));
  let decoded = 0;
  let readAny = false;
  let inFrame = false;
  let position = 0;
  // One output buffer for the whole blob: sinks copy what they keep (allocating per slice left hundreds of
  // MiB of garbage behind a 256 MiB get before the collector caught up).
  const out = (sharedOut ??= Buffer.allocUnsafe(zstdEngine().outSize));
  while (position < size) {
    const n = read(input, position);
    if (n === 0) {
      break;
    }
    if (!readAny) {
      refuseDeclaredBomb(input.subarray(0, n), maxBytes);
    }
    readAny = true;
    position += n;
    let src: Buffer = input.subarray(0, n);
    while (src.length > 0 || inFrame) {
      let produced: number;
      [produced, src, inFrame] = decompressStep(dctx, out, src);
      if (produced > 0) {
        decoded += produced;
        if (decoded > maxBytes) {
          throw new DecodeFailure('too-large', `it decodes to more than the limit of ${maxBytes} bytes`);
        }
        const chunk = out.subarray(0, produced);
        if (hash === undefined && !inFrame && src.length === 0 && position >= size) {
          // The first output is also the last (the frame ended with the file): most small blobs come out in
          // one piece, and a one-shot hash skips the Hash object (a tenth of a cold small blob's cost).
          digest = hashOnce(chunk);
        } else {
          hash ??= crypto.createHash('sha256');
          hash.update(chunk);
        }
        sink(chunk);
      }
      // Input used up and the decoder has nothing more to flush from what it holds: read more.
      if (src.length === 0 && produced < out.length) {
        break;
      }
    }
  }
  if (!readAny) {
    throw new DecodeFailure('empty', 'the file is empty (no zstd frame)');
  }
  if (inFrame) {
    throw new DecodeFailure('truncated', `the zstd stream ends inside a frame after ${position} bytes`);
  }
  const actual = digest ?? (hash ?? crypto.createHash('sha256')).digest('hex');
  if (actual !== hex) {
    throw new DecodeFailure('hash-mismatch', `its content hashes to sha256:${actual}`);
  }
  return decoded;
}

/**
 * One call of the streaming decoder: bytes produced into `out`, the input left, and whether a frame is still
 * open. A decoder error is a corrupt frame, in the store's words.
 */
export function decompressStep(dctx: StreamDecoder, out: Buffer, src: Buffer): [number, Buffer, boolean] {
  let ret: number, produced: number, consumed: number;
  try {
    [ret, produced, consumed] = dctx.decompress(out, src);
  } catch (err) {
    throw new DecodeFailure('corrupt-frame', `zstd could not decode it: ${(err as Error).message}`);
  }
  return [produced, src.subarray(consumed), ret !== 0];
}

/** A first frame that declares more than the limit is refused before any output is allocated. */
function refuseDeclaredBomb(head: Uint8Array, maxBytes: number): void {
  const declared = declaredContentSize(head);
  if (declared !== undefined && declared > maxBytes) {
    throw new DecodeFailure('too-large', `its frame declares ${declared} bytes, over the limit of ${maxBytes}`);
  }
}
