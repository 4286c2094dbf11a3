// The images/ catalog pf-core writes: `images/<64 hex>.json`, each the exact manifest bytes. pf-core skips
// names and files it cannot use; we list them with the reason, so a user can see why an image is not there.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { imagesDir } from '../blobs/blobPaths';
import { StoreError, ioError } from '../errors';
import { insideRoot, readRegularFile } from '../io/safeOpen';
import type { ImageManifest, ManifestProblem } from './manifest';
import { parseManifest } from './manifest';
import { forEachInFlight } from '../../../../shared/common/inFlight';

export interface CatalogEntry {
  /** The hex of the file name when it is a valid name, else ''. */
  hex: string;
  fileName: string;
  manifest?: ImageManifest;
  problems: ManifestProblem[];
  bytes: number;
}

const IMAGE_FILE = /^([0-9a-f]{64})\.json$/;

/** An image manifest is a few KiB; one of 16 MiB is not a manifest, and is not read into memory. */
export const MAX_MANIFEST_BYTES = 16 << 20;

/** Catalog files read at once: enough to keep the disk busy, far below any limit on open files. */
const CATALOG_READS_IN_FLIGHT = 32;

export async function listImages(root: string): Promise<CatalogEntry[]> {
  return readImageEntries(root, await listImageFiles(root));
}

/** The catalog's file names, sorted, without reading them (what changed is told by name: names are digests). */
export async function listImageFiles(root: string): Promise<string[]> {
  const dir = imagesDir(root);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      return [];
    }
    throw ioError('cannot list', dir, err);
  }
  if (!(await insideRoot(root, dir))) {
    throw ioError('refusing to read', dir, new Error('it leads outside the store (a symbolic link)'));
  }
  return names.sort();
}

/** The catalog entries of these file names (a name gone meanwhile is left out). */
export async function readImageEntries(root: string, names: string[]): Promise<CatalogEntry[]> {
  const dir = imagesDir(root);
  // Read a few at a time: a catalog of 100,000 images read all at once ran out of file handles (EMFILE), and
  // every image then read as unreadable.
  const entries: Array<CatalogEntry | undefined> = new Array(names.length);
  await forEachInFlight(names, CATALOG_READS_IN_FLIGHT, async (name, i) => {
    entries[i] = await readEntry(dir, name);
  });
  return entries.filter((e): e is CatalogEntry => e !== undefined);
}

async function readEntry(dir: string, fileName: string): Promise<CatalogEntry | undefined> {
  const file = path.join(dir, fileName);
  const m = IMAGE_FILE.exec(fileName);
  let data: Buffer;
  try {
    // Never a FIFO (it would block), never through a symbolic link (it could lead anywhere), never huge.
    data = await readRegularFile(file, MAX_MANIFEST_BYTES);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    const message = err instanceof StoreError ? err.message : `cannot read ${file}: ${(err as Error).message}`;
    return { hex: m?.[1] ?? '', fileName, problems: [{ path: '', message, severity: 'error' }], bytes: 0 };
  }
  const { manifest, problems } = parseManifest(data.toString('utf8'));
  if (!m) {
    problems.unshift({
      path: '',
      message: `${fileName} is not named <64 hex>.json, so pf-core does not list it`,
      severity: 'error',
    });
  } else {
    const actual = createHash('sha256').update(data).digest('hex');
    if (actual !== m[1]) {
      problems.unshift({
        path: '',
        message: `the file's bytes hash to sha256:${actual}, not to its name; it was edited or re-serialized`,
        severity: 'error',
      });
    }
  }
  return {
    hex: m?.[1] ?? '',
    fileName,
    manifest: problems.some((p) => p.severity === 'error' && p.path === '') && !manifest ? undefined : manifest,
    problems,
    bytes: data.length,
  };
}
