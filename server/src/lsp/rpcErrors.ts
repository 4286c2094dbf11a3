// Maps store and digest errors to JSON-RPC errors with stable codes, so every handler answers a clear error
// instead of throwing into the connection (which would log an internal error and leave the client guessing).
import { CancellationToken, ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { DigestError } from '../../../shared/blobs/digest';
import { StoreErrorCode } from '../../../shared/protocol';
import { StoreError } from '../store/errors';

/** No error message travels longer than this: a backstop behind quoteShort, whatever a message embeds. */
const MAX_MESSAGE = 2000;

export function toResponseError(err: unknown): ResponseError<void> {
  const response = mapError(err);
  if (response.message.length <= MAX_MESSAGE) {
    return response;
  }
  return new ResponseError(response.code, `${response.message.slice(0, MAX_MESSAGE)}… (message cut)`);
}

function mapError(err: unknown): ResponseError<void> {
  if (err instanceof ResponseError) {
    return err;
  }
  if (err instanceof DigestError) {
    return new ResponseError(StoreErrorCode.InvalidInput, err.message);
  }
  if (err instanceof StoreError) {
    switch (err.code) {
      case 'invalid-input':
        return new ResponseError(StoreErrorCode.InvalidInput, err.message);
      case 'not-found':
        return new ResponseError(StoreErrorCode.NotFound, err.message);
      case 'integrity':
        return new ResponseError(StoreErrorCode.Integrity, err.message);
      case 'cancelled':
        return new ResponseError(LSPErrorCodes.RequestCancelled, err.message);
      case 'io':
        return new ResponseError(StoreErrorCode.Io, err.message);
      case 'too-large':
        return new ResponseError(StoreErrorCode.TooLarge, err.message);
    }
  }
  return new ResponseError(ErrorCodes.InternalError, `internal error: ${(err as Error)?.message ?? String(err)}`);
}

export function invalidInput(message: string): ResponseError<void> {
  return new ResponseError(StoreErrorCode.InvalidInput, message);
}

/** Wraps a handler so that anything it throws becomes a ResponseError; the server never dies on a request. */
export function guarded<P, R>(
  log: (message: string) => void,
  handler: (params: P, token: CancellationToken) => Promise<R>,
): (params: P, token: CancellationToken) => Promise<R | ResponseError<void>> {
  return async (params, token) => {
    try {
      return await handler(params, token);
    } catch (err) {
      const response = toResponseError(err);
      if (response.code === ErrorCodes.InternalError) {
        log(`request failed: ${(err as Error)?.stack ?? String(err)}`);
      }
      return response;
    }
  };
}

/** Bridges LSP cancellation to the AbortSignal the store understands. */
export function abortSignalOf(token: CancellationToken | undefined): AbortSignal | undefined {
  if (!token) {
    return undefined;
  }
  const controller = new AbortController();
  if (token.isCancellationRequested) {
    controller.abort();
  } else {
    token.onCancellationRequested(() => controller.abort());
  }
  return controller.signal;
}

/** Checks that params is an object before a handler reads fields from it. */
export function objectParams<T>(params: unknown, what: string): T {
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw invalidInput(`${what} expects an object as its parameters`);
  }
  return params as T;
}

/** A whole-number parameter from 0 to `max` (an offset, a page size), or InvalidInput naming it. */
export function wholeParam(value: unknown, name: string, max: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) {
    throw invalidInput(`${name} must be a whole number from 0 to ${max}`);
  }
  return value;
}
