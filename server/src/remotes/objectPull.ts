// Pull from a file:// folder or an s3:// prefix in pf's layout. The signature is checked before anything is
// written. Then only the blobs of the closure this store lacks are fetched (pf fetches every object under the
// prefix): the manifest's own, then what its fs tree and cache page manifest name, then what its merge and CRIU
// records name, each copied or streamed to a temp file, decoded and re-hashed against its name, and each round's
// made durable together before it is renamed into the store. The image enters the catalog last, and only when its
// whole closure is here.
import { createHash } from 'node:crypto';
import { TRANSFER_CONCURRENCY, forEachInFlight } from '../../../shared/common/inFlight';
import type { TransferProgress } from '../oci/push';
import { checkSignature } from '../oci/signature';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { IntegrityError, StoreError, throwIfAborted } from '../store/errors';
import { catalogImage } from '../store/images/catalogImage';
import { MAX_MANIFEST_BYTES } from '../store/images/imageCatalog';
import { imageClosure, type ClosureEntry } from '../store/images/imageClosure';
import { parseManifest } from '../store/images/manifest';
import { layerReferences } from '../store/layers/layerReferences';
import { MANIFEST_KEY, SIGNATURE_KEY, blobKey, type ObjectRegistry } from './objectRegistry';
import { commitStaged, removeStaged, type StagedFile } from '../store/io/stagedCommit';
import { MAX_BLOB_OBJECT, MAX_SIGNATURE_BYTES } from '../../../shared/registries/transferLimits';

export interface ObjectPullResult {
  imageHex: string;
  blobs: number;
  downloaded: number;
  alreadyHad: number;
  /** Blobs named by the image's merge or CRIU records that the remote does not hold (pf's push leaves them). */
  absentExtras: ClosureEntry[];
}

export async function pullFromObjects(
  store: FsBlobStore,
  registry: ObjectRegistry,
  signKey: string,
  opts: {
    signal?: AbortSignal;
    onProgress?: (p: TransferProgress) => void;
    allowUnsigned?: boolean;
    concurrency?: number;
  } = {},
): Promise<ObjectPullResult> {
  store.pool.warm(); // the workers load while the manifest and signature are read
  const manifestBytes = await registry.read(MANIFEST_KEY, MAX_MANIFEST_BYTES, opts.signal);
  if (!manifestBytes) {
    throw new StoreError('not-found', `there is no image at ${registry.display} (no ${MANIFEST_KEY} there)`);
  }
  const imageHex = createHash('sha256').update(manifestBytes).digest('hex');
  const signature = await registry.read(SIGNATURE_KEY, MAX_SIGNATURE_BYTES, opts.signal);
  const verdict = signature ? checkSignature(signature, manifestBytes, signKey) : 'the image has no signature';
  if (verdict && !opts.allowUnsigned) {
    throw new IntegrityError(
      imageHex,
      'hash-mismatch',
      `refusing to pull ${registry.display}: ${verdict} (pass --allow-unsigned to take it anyway)`,
    );
  }
  const { manifest, problems } = parseManifest(manifestBytes.toString('utf8'));
  if (!manifest || problems.some((p) => p.severity === 'error')) {
    throw new StoreError('invalid-input', `${registry.display} does not hold a valid ProcessFork manifest`);
  }

  const fetched = new Set<string>();
  let downloaded = 0;
  let alreadyHad = 0;
  const absent: ClosureEntry[] = [];
  const settle = (entry: ClosureEntry, got: boolean | 'absent') => {
    if (got === 'absent') {
      absent.push(entry);
    } else if (got) {
      downloaded++;
    } else {
      alreadyHad++;
    }
  };
  // Each round's blobs are made durable together before any gets its name (io/stagedCommit.ts): the next round
  // reads them by name, and a damaged one fails the round with nothing of it named.
  const fetchAll = async (entries: ClosureEntry[]) => {
    const fresh = [...new Map(entries.filter((e) => !fetched.has(e.hex)).map((e) => [e.hex, e])).values()];
    fresh.forEach((e) => fetched.add(e.hex));
    let alone = fresh;
    if (registry.localPath) {
      alone = await adoptLocalFiles(store, registry.localPath.bind(registry), fresh, settle, {
        signal: opts.signal,
        onBatch: () => opts.onProgress?.({ done: fetched.size - absent.length, total: fetched.size, note: 'blobs' }),
      });
    }
    const staged: StagedFile[] = [];
    try {
      await forEachInFlight(
        alone,
        opts.concurrency ?? TRANSFER_CONCURRENCY,
        async (entry) => {
          throwIfAborted(opts.signal);
          settle(entry, await adoptObject(store, registry, entry.hex, opts.signal, staged));
          opts.onProgress?.({ done: fetched.size - absent.length, total: fetched.size, note: entry.layer });
        },
        opts.signal,
      );
      await commitStaged(staged, store.root, opts.signal);
    } catch (err) {
      await removeStaged(staged);
      throw err;
    }
  };

  // The closure grows as it is fetched: nested manifests name more, merge records name their parents' ledgers.
  // A round that fetches nothing new leaves the closure as the round read it: that reading is the final one.
  let unexpanded: string[] = [];
  let required = new Set<string>();
  for (let round = 0; round < 70; round++) {
    const before = fetched.size;
    const closure = await imageClosure(store, manifest);
    await fetchAll(closure.entries);
    required = new Set(closure.entries.map((e) => e.hex));
    unexpanded = closure.unexpanded.map((u) => `${u.layer} sha256:${u.hex}: ${u.reason}`);
    const extras = await layerReferences(store, manifest, { signal: opts.signal });
    await fetchAll(extras.map((r) => ({ layer: r.place, hex: r.hex })));
    if (fetched.size === before) {
      break;
    }
  }
  const lacking = absent.filter((e) => required.has(e.hex));
  if (lacking.length > 0) {
    throw new StoreError(
      'not-found',
      `${registry.display} lacks ${lacking.length} blob(s) of the image's closure (first: ${lacking[0].layer} sha256:${lacking[0].hex}); nothing was added to the catalog`,
    );
  }
  if (unexpanded.length > 0) {
    throw new StoreError(
      'invalid-input',
      `the image's closure cannot be walked: ${unexpanded[0]}; nothing was added to the catalog`,
    );
  }
  await catalogImage(store, imageHex, manifestBytes);
  return {
    imageHex,
    blobs: fetched.size - absent.length,
    downloaded,
    alreadyHad,
    absentExtras: absent.filter((e) => !required.has(e.hex)),
  };
}

/**
 * A folder registry's objects adopted in batches (FsBlobStore.adoptFiles): copied with their checks on the
 * way and made durable together. What a batch cannot take (too large, a bad blob in the store's way) is
 * returned to be adopted one by one; the rest is settled here.
 */
async function adoptLocalFiles(
  store: FsBlobStore,
  localPath: (key: string) => Promise<string | undefined>,
  entries: ClosureEntry[],
  settle: (entry: ClosureEntry, got: boolean | 'absent') => void,
  opts: { signal?: AbortSignal; onBatch?: () => void },
): Promise<ClosureEntry[]> {
  const alone: ClosureEntry[] = [];
  // A slice at a time, each committed on its own: what is held at once stays bounded for a closure of a million
  // cache pages, and one sync per 4,096 files costs little beside copying them.
  for (let start = 0; start < entries.length; start += ADOPT_SLICE) {
    const slice = entries.slice(start, start + ADOPT_SLICE);
    const paths = await Promise.all(slice.map((e) => localPath(blobKey(e.hex))));
    const found: ClosureEntry[] = [];
    const files: Array<{ hex: string; from: string }> = [];
    slice.forEach((entry, i) => {
      const from = paths[i];
      if (from === undefined) {
        settle(entry, 'absent');
      } else {
        found.push(entry);
        files.push({ hex: entry.hex, from });
      }
    });
    const outcomes = await store.adoptFiles(files, opts);
    outcomes.forEach((outcome, i) => {
      if (outcome === 'single') {
        alone.push(found[i]);
      } else {
        settle(found[i], outcome === 'absent' ? 'absent' : outcome === 'copied'); // copies are durable already
      }
    });
  }
  return alone;
}

/** Objects adopted per call of adoptFiles (and committed together). */
const ADOPT_SLICE = 4096;

/** The remote holds no object for a blob (pf's own push leaves out what merge and CRIU records name). */
class AbsentObject extends Error {}

/**
 * One blob from the registry into the store: kept when present and intact here (its time refreshed, the gc
 * protocol), else streamed to a temp file, decoded and re-hashed, then committed (durable, then renamed), or
 * added to `stage` for the caller to commit with others. True when fetched, false when
 * kept, 'absent' when the registry has no object for it.
 */
export async function adoptObject(
  store: FsBlobStore,
  registry: ObjectRegistry,
  hex: string,
  signal?: AbortSignal,
  /** Where the checked temp file goes for the caller to commit with others; without it, committed alone. */
  stage?: StagedFile[],
): Promise<boolean | 'absent'> {
  return store
    .adoptCompressedFile(
      hex,
      async (temp) => {
        if (!(await registry.download(blobKey(hex), temp, MAX_BLOB_OBJECT, signal))) {
          throw new AbsentObject();
        }
      },
      { signal, stage },
    )
    .catch((err) => {
      if (err instanceof AbsentObject) {
        return 'absent' as const;
      }
      throw err;
    });
}
