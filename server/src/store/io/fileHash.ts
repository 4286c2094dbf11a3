// SHA-256 of a file, streamed (node:crypto: 8.7x faster here than @noble/hashes, docs/decisions.md).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { throwIfAborted } from '../errors';

export async function hashFile(file: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    throwIfAborted(signal);
    hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}
