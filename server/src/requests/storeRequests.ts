// The store's custom requests (everything except verify, which has its own file for progress handling).
import * as fs from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { CancellationToken, Connection } from 'vscode-languageserver';
import { formatDigest, parseDigest, parseHexPrefix, shortDigest } from '../../../shared/blobs/digest';
import type {
  ContentKind,
  GcResult,
  PutParams,
  ReadParams,
  ResolveResult,
  SaveBlobParams,
} from '../../../shared/protocol';
import type {
  GcParams,
  ImageDetailsParams,
  ListBlobsParams,
  ResolveParams,
  StatParams,
} from '../../../shared/protocol';
import {
  GcRequest,
  SaveBlobRequest,
  ImageDetailsRequest,
  ListBlobsRequest,
  ListImagesRequest,
  ListShardsRequest,
  PutRequest,
  ReadRequest,
  ResolveRequest,
  StatRequest,
  StatusRequest,
  StoreErrorCode,
} from '../../../shared/protocol';
import { ResponseError } from 'vscode-languageserver';
import { abortSignalOf, guarded, invalidInput, objectParams } from '../lsp/rpcErrors';
import { logged } from '../lsp/operationLog';
import { sniffContent } from '../host/contentSniff';
import type { StoreHost } from '../host/storeHost';
import { imageDetails } from '../host/imageDetails';
import { statBlob } from '../host/blobInfo';
import { TooLargeToReadError } from '../store/errors';
import { removeUnreferenced } from '../store/analysis/unreferencedGc';
import { plural, quoteShort } from '../../../shared/common/format';
import { hashFile } from '../store/io/fileHash';

/** The most one read request returns; larger blobs are read in ranges. */
export const READ_LIMIT = 16 << 20;
const RESOLVE_MAX = 50;

export function registerStoreRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);

  connection.onRequest(
    StatusRequest.type,
    guarded(log, () => host.status()),
  );

  connection.onRequest(
    ListImagesRequest.type,
    guarded(log, async () => {
      const images = await host.open.refs.images();
      // Mark images whose closure reaches a blob known to be bad: walk back from the (few) bad blobs through
      // the reference graph, never forward through every closure.
      const graph = host.open.graph.ready();
      const bad = new Map<string, number>();
      for (const hex of graph ? host.open.facts.knownBad() : []) {
        for (const use of graph!.whereUsed(hex)) {
          bad.set(use.image, (bad.get(use.image) ?? 0) + 1);
        }
      }
      return {
        images: images.map((i) => {
          const n = bad.get(i.digest.slice(7));
          return n ? { ...i, badBlobs: n } : i;
        }),
      };
    }),
  );

  connection.onRequest(
    ImageDetailsRequest.type,
    guarded(log, async (params) => {
      const hex = parseDigest(objectParams<ImageDetailsParams>(params, 'imageDetails').digest);
      const { image, references } = await imageDetails(host, hex);
      return { image, references };
    }),
  );

  connection.onRequest(
    ListShardsRequest.type,
    guarded(log, async () => {
      // What is known now: the first page of a million-blob store must not wait for its full count.
      host.open.shards.noteLooking();
      const { shards, complete } = await host.open.shards.knownCounts();
      return complete ? { shards, total: shards.reduce((n, s) => n + (s.count ?? 0), 0) } : { shards };
    }),
  );

  connection.onRequest(
    ListBlobsRequest.type,
    guarded(log, async (raw) => {
      const params = objectParams<ListBlobsParams>(raw, 'listBlobs');
      const { facts, shards } = host.open;
      const release = shards.hold(); // the background count yields from this moment
      const page = await shards
        .page({ shard: params.shard, after: params.cursor, limit: params.limit })
        .finally(release);
      const bad = new Set(facts.knownBad());
      return {
        items: page.items.map((i) => ({
          digest: formatDigest(i.hex),
          storedBytes: i.storedBytes,
          ...(bad.has(i.hex) ? { problem: 'failed verification' } : {}),
        })),
        nextCursor: page.nextCursor,
      };
    }),
  );

  connection.onRequest(
    StatRequest.type,
    guarded(log, async (params) => statBlob(host, parseDigest(objectParams<StatParams>(params, 'stat').digest))),
  );

  connection.onRequest(
    ReadRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<ReadParams>(raw, 'read');
      const hex = parseDigest(params.digest);
      const offset = params.offset ?? 0;
      const signal = abortSignalOf(token);
      const info = await statBlob(host, hex);
      // A size the frames do not record (pf-core's) is learned by one streamed decode.
      const total = info.decodedBytes ?? (await host.open.store.decodedSize(hex, { signal }));
      const length = params.length ?? Math.max(total - offset, 0);
      if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(length) || length < 0) {
        throw invalidInput(`a read needs a non-negative offset and length, got ${params.offset} and ${params.length}`);
      }
      if (length > READ_LIMIT) {
        if (params.length === undefined) {
          throw new TooLargeToReadError(hex, READ_LIMIT);
        }
        throw invalidInput(`a read returns at most ${READ_LIMIT} bytes; ask for a smaller range`);
      }
      const data = await host.open.store.readRange(hex, offset, length, { signal });
      await host.open.facts.remember(hex, true, undefined, total);
      const kind: ContentKind = info.contentKind ?? sniffContent(data.subarray(0, 4096));
      return {
        digest: formatDigest(hex),
        totalBytes: total,
        offset,
        data: data.toString('base64'),
        contentKind: kind,
      };
    }),
  );

  connection.onRequest(
    PutRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<PutParams>(raw, 'put');
      if (!host.trusted) {
        throw new ResponseError(StoreErrorCode.WriteRefused, 'putting blobs is off in an untrusted workspace');
      }
      const signal = abortSignalOf(token);
      const { store } = host.open;
      let result;
      if ('uri' in params && typeof params.uri === 'string') {
        const file = fileOfUri(params.uri);
        if (params.expect !== undefined) {
          await refuseOtherContent(file, parseDigest(params.expect), signal);
        }
        result = await store.putFile(file, { signal });
        if (params.expect !== undefined && result.hex !== parseDigest(params.expect)) {
          // Changed between the check and the put: what was stored is not the blob asked for.
          throw invalidInput(`${quoteShort(file)} changed while it was being put; the damaged blob is still damaged`);
        }
      } else if ('data' in params && typeof params.data === 'string') {
        result = await store.put(Buffer.from(params.data, 'base64'), { signal });
      } else {
        throw invalidInput('put expects { uri: "file:..." } or { data: "<base64>" }');
      }
      if (result.created) {
        await host.noteWritten([result.hex]);
      }
      return {
        digest: formatDigest(result.hex),
        created: result.created,
        rawBytes: result.rawBytes,
        storedBytes: result.storedBytes,
      };
    }),
  );

  connection.onRequest(
    ResolveRequest.type,
    guarded(log, async (raw): Promise<ResolveResult> => {
      const params = objectParams<ResolveParams>(raw, 'resolve');
      if (typeof params.query !== 'string') {
        throw invalidInput('resolve expects { query: string }');
      }
      const prefix = parseHexPrefix(params.query.trim());
      const { matches, more } = await host.open.shards.withPrefix(prefix, RESOLVE_MAX);
      const status = matches.length === 0 ? 'none' : matches.length === 1 ? 'unique' : 'ambiguous';
      return { status, matches: matches.map(formatDigest), ...(more ? { more } : {}) };
    }),
  );

  connection.onRequest(
    SaveBlobRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<SaveBlobParams>(raw, 'saveBlob');
      const hex = parseDigest(params.digest);
      const dest = fileOfUri(params.uri);
      return { bytes: await host.open.store.getToFile(hex, dest, { signal: abortSignalOf(token) }) };
    }),
  );

  connection.onRequest(
    GcRequest.type,
    guarded(log, async (raw, token) => {
      const params = raw === undefined || raw === null ? {} : objectParams<GcParams>(raw, 'gc');
      if (!host.trusted && !params.dryRun) {
        throw new ResponseError(StoreErrorCode.WriteRefused, 'gc is off in an untrusted workspace');
      }
      const dryRun = params.dryRun === true;
      if (dryRun) {
        return gcRun(params, true, token);
      }
      return logged(
        (m) => connection.console.info(m),
        params.unreferenced ? 'gc (temp files and unreferenced blobs)' : 'gc (temp files)',
        () => gcRun(params, false, token),
        (r) =>
          `${plural(r.removed.length, 'temp file')} removed${r.unreferenced ? `, ${plural(r.unreferenced.removed.length, 'unreferenced blob')} removed` : ''}`,
      );
    }),
  );

  async function gcRun(params: GcParams, dryRun: boolean, token: CancellationToken): Promise<GcResult> {
    const temp = await host.open.store.sweepTemp({ dryRun });
    if (!params.unreferenced) {
      return temp;
    }
    const result = await removeUnreferenced(host.open.store, {
      dryRun,
      graceMs: params.graceSeconds === undefined ? undefined : checkedCount(params.graceSeconds, 'graceSeconds') * 1000,
      retainRecent: params.retainRecent === undefined ? undefined : checkedCount(params.retainRecent, 'retainRecent'),
      signal: abortSignalOf(token),
    });
    if (!dryRun && result.removed.length > 0) {
      await host.noteWritten(result.removed.map((b) => b.hex));
    }
    const { dryRun: _dryRun, ...unreferenced } = result;
    return {
      ...temp,
      unreferenced: {
        ...unreferenced,
        removed: result.removed.map((b) => ({ digest: formatDigest(b.hex), storedBytes: b.storedBytes })),
      },
    };
  }
}

/** A put meant to restore one blob: a file with other content is refused before anything is written. */
async function refuseOtherContent(file: string, expected: string, signal?: AbortSignal): Promise<void> {
  const info = await fs.stat(file).catch(() => undefined);
  if (!info?.isFile()) {
    throw invalidInput(`${quoteShort(file)} is not a regular file`); // a FIFO would block the hash below forever
  }
  const actual = await hashFile(file, signal);
  if (actual !== expected) {
    throw invalidInput(
      `${quoteShort(file)} is not that blob's content: it hashes to ${shortDigest(actual)}, not ${shortDigest(expected)}; nothing was written`,
    );
  }
}

function checkedCount(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput(`${name} must be a whole number of at least 0`);
  }
  return value;
}

function fileOfUri(uri: string): string {
  if (!uri.startsWith('file:')) {
    throw invalidInput(`put reads only file: URIs, not ${quoteShort(uri.split(':')[0])}`);
  }
  try {
    return fileURLToPath(uri);
  } catch (err) {
    throw invalidInput(`not a usable file URI: ${(err as Error).message}`);
  }
}
