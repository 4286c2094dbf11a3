// Where pf-core puts things. Every path comes from a digest that passed shared/blobs/digest.ts, so no string
// from a request, a manifest or a file name can reach the file system unchecked.
import { randomInt } from 'node:crypto';
import * as path from 'node:path';
import { isHex64, shardOf } from '../../../../shared/blobs/digest';
import { InvalidInputError } from '../errors';
import { quoteShort } from '../../../../shared/common/format';
import { writerOrigin } from './writerOrigin';

export const BLOB_NAME = /^([0-9a-f]{64})\.zst$/;
/**
 * pf-core's temp name: the final name with `.zst` replaced by `tmp.<pid>.<counter>`; ours add `.<origin>`
 * (writerOrigin.ts), which says in which pid namespace and boot the pid means something.
 */
export const TEMP_NAME = /^([0-9a-f]{64})\.tmp\.(\d+)\.(\d+)(?:\.([0-9a-f]{12}))?$/;
export const SHARD_NAME = /^[0-9a-f]{2}$/;

// A random start: a new process that reuses a crashed writer's pid (common in containers) must not collide
// with the temp files it left (they are opened with O_EXCL).
let tempCounter = randomInt(1_000_000_000);

export function checkedHex(hex: string): string {
  if (!isHex64(hex)) {
    throw new InvalidInputError(`not a 64-character lower-case hex digest: ${quoteShort(hex)}`);
  }
  return hex;
}

export function blobsDir(root: string): string {
  return path.join(root, 'blobs', 'sha256');
}

export function shardDir(root: string, hex: string): string {
  return path.join(blobsDir(root), shardOf(checkedHex(hex)));
}

export function blobPath(root: string, hex: string): string {
  return path.join(shardDir(root, hex), `${hex}.zst`);
}

export function tempBlobPath(root: string, hex: string): string {
  return path.join(shardDir(root, hex), `${hex}.tmp.${process.pid}.${tempCounter++}.${writerOrigin()}`);
}

export function imagesDir(root: string): string {
  return path.join(root, 'images');
}
