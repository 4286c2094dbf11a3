// processfork/putMissing: fill the holes in an image's closure from a folder of files (a checkout, a backup),
// matching by content digest. Files are hashed as they are found; only matches are compressed and stored.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Connection } from 'vscode-languageserver';
import { ResponseError } from 'vscode-languageserver';
import { formatDigest, parseDigest } from '../../../shared/blobs/digest';
import type { PutMissingParams, PutMissingResult } from '../../../shared/protocol';
import { PutMissingRequest, StoreErrorCode } from '../../../shared/protocol';
import { workDoneOn } from '../lsp/progressReporters';
import { abortSignalOf, guarded, invalidInput, objectParams } from '../lsp/rpcErrors';
import type { StoreHost } from '../host/storeHost';
import { imageDetails } from '../host/imageDetails';
import { hashFile } from '../store/io/fileHash';
import { plural } from '../../../shared/common/format';

const MAX_FILES = 100_000;

export function registerPutMissingRequest(connection: Connection, host: StoreHost): void {
  connection.onRequest(
    PutMissingRequest.type,
    guarded(
      (m) => connection.console.error(m),
      async (raw, token) => {
        const params = objectParams<PutMissingParams>(raw, 'putMissing');
        if (!host.trusted) {
          throw new ResponseError(StoreErrorCode.WriteRefused, 'putting blobs is off in an untrusted workspace');
        }
        const hex = parseDigest(params.image);
        if (typeof params.folderUri !== 'string' || !params.folderUri.startsWith('file:')) {
          throw invalidInput('putMissing searches a file: folder');
        }
        let folder: string;
        try {
          folder = fileURLToPath(params.folderUri);
        } catch (err) {
          throw invalidInput(`not a usable folder URI: ${(err as Error).message}`);
        }
        const info = await fs.stat(folder).catch(() => undefined);
        if (!info?.isDirectory()) {
          throw invalidInput(`${folder} is not a folder`);
        }
        return putMissing(connection, host, hex, folder, abortSignalOf(token), params.workDoneToken);
      },
    ),
  );
}

async function putMissing(
  connection: Connection,
  host: StoreHost,
  imageHex: string,
  folder: string,
  signal: AbortSignal | undefined,
  workDoneToken: string | number | undefined,
): Promise<PutMissingResult> {
  const details = await imageDetails(host, imageHex);
  const missing = new Set(details.references.filter((r) => r.state === 'missing').map((r) => r.digest.slice(7)));
  const result: PutMissingResult = { stored: [], stillMissing: [], filesScanned: 0, cancelled: false };
  const progress = workDoneOn(connection, workDoneToken);
  progress.begin('Looking for missing blobs', `${missing.size} missing`);
  try {
    for await (const file of walkFiles(folder)) {
      if (missing.size === 0) {
        break;
      }
      if (signal?.aborted || result.filesScanned >= MAX_FILES) {
        result.cancelled = signal?.aborted === true;
        break;
      }
      result.filesScanned++;
      const hex = await hashFile(file).catch(() => undefined);
      if (!hex || !missing.has(hex)) {
        continue;
      }
      await host.open.store.putFile(file, { signal });
      missing.delete(hex);
      result.stored.push({ digest: formatDigest(hex), file });
      progress.report(
        0,
        `${result.stored.length} found, ${missing.size} still missing (${plural(result.filesScanned, 'file')} read)`,
      );
    }
  } finally {
    progress.done();
  }
  result.stillMissing = [...missing].map(formatDigest);
  if (result.stored.length > 0) {
    await host.noteWritten(result.stored.map((s) => s.digest.slice(7)));
  }
  return result;
}

/** Regular files under `root`, depth first; symbolic links are not followed (they could leave the folder). */
async function* walkFiles(root: string): AsyncIterable<string> {
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop()!;
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        stack.push(p);
      } else if (e.isFile()) {
        yield p;
      }
    }
  }
}
