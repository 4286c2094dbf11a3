// pf's exit codes, kept by pfstore so scripts can treat both tools alike.
import { DigestError } from '../../../shared/blobs/digest';
import { StoreError } from '../store/errors';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_INTEGRITY = 4;
export const EXIT_INTERNAL = 70;
/** A push refused because the snapshot holds secrets in clear (pass --allow-secrets to send them anyway). */
export const EXIT_SECRETS_REFUSED = 5;
/** What a shell reports for a command stopped by SIGPIPE (128 + 13): `pfstore ls | head` ends this way. */
export const EXIT_BROKEN_PIPE = 141;

/** A failure the user can act on: printed without a stack trace, exits with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = EXIT_BAD_INPUT,
  ) {
    super(message);
  }
}

export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) {
    return err.code;
  }
  if (err instanceof DigestError) {
    return EXIT_BAD_INPUT;
  }
  if (err instanceof StoreError) {
    if (err.code === 'integrity') {
      return EXIT_INTEGRITY;
    }
    if (
      err.code === 'not-found' ||
      err.code === 'invalid-input' ||
      err.code === 'cancelled' ||
      err.code === 'too-large'
    ) {
      return EXIT_BAD_INPUT;
    }
    // An unwritable or missing store, an unreadable input file: the user can fix those.
    if (err.code === 'io') {
      return EXIT_BAD_INPUT;
    }
  }
  return EXIT_INTERNAL;
}
