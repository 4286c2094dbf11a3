// One line in the server log per operation a user started (push, pull, fetch, gc), with its outcome and
// duration: `push sha256:3f2a… → oci://…:v1: done in 1.4 s (12 blobs, 3 uploaded)`. Expected failures are one
// line with the reason; only an internal error (a bug) carries a stack, and guarded() logs that.
import { ErrorCodes } from 'vscode-languageserver';
import { toResponseError } from './rpcErrors';

export async function logged<R>(
  log: (line: string) => void,
  what: string,
  run: () => Promise<R>,
  summary: (result: R) => string = () => '',
): Promise<R> {
  const started = Date.now();
  const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  try {
    const result = await run();
    const detail = summary(result);
    log(`${what}: done in ${took()}${detail ? ` (${detail})` : ''}`);
    return result;
  } catch (err) {
    const response = toResponseError(err);
    if (response.code !== ErrorCodes.InternalError) {
      log(`${what}: failed after ${took()}: ${response.message}`);
    }
    throw err;
  }
}
