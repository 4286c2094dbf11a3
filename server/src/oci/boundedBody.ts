// Reads a registry response body into memory only up to a limit. A registry (or something posing as one)
// can send an endless body; without a bound, a manifest read would grow the process until it died.

import { MAX_DOCUMENT_BYTES } from '../../../shared/registries/transferLimits';

export { MAX_DOCUMENT_BYTES };

export class BodyTooLargeError extends Error {
  constructor(
    readonly what: string,
    readonly limit: number,
  ) {
    super(`the registry's ${what} is larger than ${limit} bytes; refusing to read more`);
  }
}

/** The whole body, or BodyTooLargeError as soon as it passes `limit` (the connection is then dropped). */
export async function readBounded(res: Response, limit: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > limit) {
    await res.body?.cancel();
    throw new BodyTooLargeError(what, limit);
  }
  if (!res.body) {
    return Buffer.alloc(0);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        break;
      }
      size += value.length;
      if (size > limit) {
        await reader.cancel();
        throw new BodyTooLargeError(what, limit);
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return Buffer.concat(chunks, size);
}
