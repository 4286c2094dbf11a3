// A blob's decoded bytes as an async stream, for a reader that takes them as they come (`pfstore get` to a
// pipe): nothing is staged on disk, back-pressure reaches the file reads, and a reader that stops early (`| head`)
// stops the decode. The hash is checked at the end; a mismatch throws after the bytes went out, so this is for
// blobs too large to check first in memory (the caller says so to its user).
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import { DecodeFailure, READ_SLICE, decompressStep } from './decodeSync';
import { insideRoot, openRegular } from './safeOpen';
import { zstdEngine } from './zstdEngine';
import { NotRegularFileError } from '../errors';

export async function* decodeStream(file: string, hex: string, root: string): AsyncGenerator<Buffer> {
  if (!(await insideRoot(root, path.dirname(file)))) {
    throw new NotRegularFileError(file, 'reached through a symbolic link that leaves the store');
  }
  const { handle } = await openRegular(file);
  try {
    const dctx = zstdEngine().createDecoder(); // its own context: the shared one belongs to synchronous decodes
    const input = Buffer.allocUnsafe(READ_SLICE);
    const out = Buffer.allocUnsafe(zstdEngine().outSize);
    const hash = crypto.createHash('sha256');
    let inFrame = false;
    let readAny = false;
    for (;;) {
      const { bytesRead } = await handle.read(input, 0, input.length, null);
      if (bytesRead === 0) {
        break;
      }
      readAny = true;
      let src: Buffer = input.subarray(0, bytesRead);
      while (src.length > 0 || inFrame) {
        let produced: number;
        [produced, src, inFrame] = decompressStep(dctx, out, src);
        if (produced > 0) {
          const chunk = Buffer.from(out.subarray(0, produced)); // the reader may hold it past the next decode
          hash.update(chunk);
          yield chunk;
        }
        if (src.length === 0 && produced < out.length) {
          break;
        }
      }
    }
    if (!readAny) {
      throw new DecodeFailure('empty', 'the file is empty (no zstd frame)');
    }
    if (inFrame) {
      throw new DecodeFailure('truncated', 'the zstd stream ends inside a frame');
    }
    const actual = hash.digest('hex');
    if (actual !== hex) {
      throw new DecodeFailure('hash-mismatch', `its content hashes to sha256:${actual}`);
    }
  } finally {
    await handle.close();
  }
}
