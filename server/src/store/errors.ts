// Typed store errors. Callers (CLI exit codes, JSON-RPC error codes, diagnostics) branch on `code`
// and `kind`, never on message text.
import { shortHex } from '../../../shared/blobs/digest';

/** Why a stored blob cannot be trusted. */
export type IntegrityKind =
  | 'hash-mismatch' // decodes, but to bytes whose SHA-256 is not the file's name
  | 'corrupt-frame' // the zstd decoder rejected the bytes
  | 'truncated' // the stream ends inside a frame
  | 'empty' // a zero-byte file: no zstd stream at all
  | 'too-large' // claims or decodes to more than the configured maximum (decompression bomb guard)
  | 'misplaced' // a blob file in a shard directory that does not match its name
  | 'not-a-file'; // a FIFO, socket, device, directory or symbolic link where a blob file should be

export class StoreError extends Error {
  constructor(
    readonly code: 'not-found' | 'integrity' | 'invalid-input' | 'io' | 'cancelled' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BlobNotFoundError extends StoreError {
  constructor(readonly hex: string) {
    super('not-found', `blob sha256:${hex} is not in the store`);
  }
}

export class IntegrityError extends StoreError {
  constructor(
    readonly hex: string,
    readonly kind: IntegrityKind,
    detail: string,
  ) {
    super('integrity', `blob sha256:${hex} failed its integrity check (${kind}): ${detail}`);
  }
}

/**
 * Something other than a regular file where the store expects one. Never opened for reading (a FIFO would
 * block the reader forever), reported like a bad blob.
 */
export class NotRegularFileError extends StoreError {
  readonly kind = 'not-a-file' as const;
  constructor(
    readonly path: string,
    readonly what: string,
  ) {
    super('integrity', `${path} is ${what}, not a regular file; it was not opened`);
  }
}

/**
 * A good blob too large for a read into memory (opening it in the editor, `--json` output). Not an integrity
 * problem: the blob streams to a file at any size.
 */
export class TooLargeToReadError extends StoreError {
  constructor(
    readonly hex: string,
    readonly limit: number,
  ) {
    super(
      'too-large',
      `blob sha256:${hex} is larger than ${limit} bytes, too large to read into memory here; save it to a file instead (pfstore get ${shortHex(hex)} -o FILE)`,
    );
  }
}

export class InvalidInputError extends StoreError {
  constructor(message: string) {
    super('invalid-input', message);
  }
}

export class StoreIoError extends StoreError {
  constructor(
    message: string,
    readonly errno?: string,
  ) {
    super('io', message);
  }
}

export class CancelledError extends StoreError {
  constructor() {
    super('cancelled', 'the operation was cancelled');
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new CancelledError();
  }
}

/** Wraps a Node fs error with the path and what we were doing, keeping the errno for callers. */
export function ioError(action: string, path: string, err: unknown): StoreIoError {
  const e = err as NodeJS.ErrnoException;
  const plain = e?.code === undefined ? undefined : PLAIN_CAUSES[e.code];
  if (plain) {
    return new StoreIoError(`${action} ${path}: ${plain} (${e.code})`, e.code);
  }
  return new StoreIoError(`${action} ${path}: ${e?.code ?? ''} ${e?.message ?? String(err)}`.trim(), e?.code);
}

/** Causes a user acts on, in their words rather than an errno and a syscall. */
const PLAIN_CAUSES: Record<string, string> = {
  EROFS: 'the store is read-only (its file system is mounted read-only)',
  EACCES: 'the store is read-only for this user (permission denied)',
  EPERM: 'the store is read-only for this user (operation not permitted)',
  ENOSPC: 'the disk is full',
  EDQUOT: "the user's disk quota is used up",
};
