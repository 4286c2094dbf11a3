// Read-only documents for blob contents: `processfork-blob:/sha256/<hex>`. Every byte comes from the server,
// which re-hashes the blob before answering, so an editor tab never shows bytes that fail verification: a
// damaged blob's tab shows what is wrong with it instead (badBlobReport), whichever way it was opened (the tree,
// a Problems entry, a link), and turns into the content when the blob is repaired (fireChanged).
import * as vscode from 'vscode';
import { BLOB_SCHEME, blobUri, hexOfBlobPath } from '../../../shared/blobs/blobUri';
import { appendAll } from '../../../shared/common/arrays';
import { badBlobReport } from '../../../shared/blobs/badBlobReport';
import type { BlobProblemResult } from '../../../shared/protocol/index';
import { StoreErrorCode } from '../../../shared/protocol/index';
import { MIB } from '../../../shared/editor/settings';
import { settings } from '../settings/settings';
import type { StoreApi } from '../connection/storeApi';

/** Reads go in slices no larger than the server's per-request limit (16 MiB). */
const READ_SLICE = 8 << 20;

/** The server found the blob damaged while reading it. */
class DamagedBlob extends Error {}

export class BlobFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;

  constructor(
    private readonly api: () => StoreApi | undefined,
    /**
     * A blob found damaged while being read, with what the server says of it now: the tree, decorations and
     * Problems show it without waiting for a verify.
     */
    private readonly onDamaged: (found: BlobProblemResult) => void = () => undefined,
  ) {}

  private storeApi(): StoreApi {
    const api = this.api();
    if (!api) {
      throw vscode.FileSystemError.Unavailable('the store server is not running yet');
    }
    return api;
  }

  private digestOf(uri: vscode.Uri): string {
    const hex = hexOfBlobPath(uri.path);
    if (!hex) {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    return `sha256:${hex}`;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const info = await this.call(uri, (api) => api.stat(this.digestOf(uri)));
    return {
      type: vscode.FileType.File,
      ctime: info.modifiedMs,
      mtime: info.modifiedMs,
      size: info.decodedBytes ?? info.storedBytes,
      permissions: vscode.FilePermission.Readonly,
    };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const digest = this.digestOf(uri);
    try {
      return await this.readVerified(uri, digest);
    } catch (err) {
      if (!(err instanceof DamagedBlob)) {
        throw err;
      }
    }
    const found = await this.call(uri, (api) => api.blobProblem(digest, 0)); // no stored bytes: never shown here
    if (found.ok) {
      return this.readVerified(uri, digest); // repaired between the two requests
    }
    this.onDamaged(found);
    return new TextEncoder().encode(badBlobReport(found, settings().remotes));
  }

  private async readVerified(uri: vscode.Uri, digest: string): Promise<Uint8Array> {
    const max = settings().maxOpenBytes;
    const first = await this.call(uri, (api) => api.read(digest, 0, Math.min(READ_SLICE, max + 1)));
    if (first.totalBytes > max) {
      throw vscode.FileSystemError.NoPermissions(
        `${digest} is ${first.totalBytes} bytes, over the setting processfork.blob.maxOpenMiB (${max / MIB} MiB); use "pfstore get" to save it instead`,
      );
    }
    const out = new Uint8Array(first.totalBytes);
    out.set(Buffer.from(first.data, 'base64'));
    for (let offset = READ_SLICE; offset < first.totalBytes; offset += READ_SLICE) {
      const part = await this.call(uri, (api) =>
        api.read(digest, offset, Math.min(READ_SLICE, first.totalBytes - offset)),
      );
      out.set(Buffer.from(part.data, 'base64'), offset);
    }
    return out;
  }

  /** Tells open tabs that a blob changed on disk (repaired or replaced), so they re-read it, titled ones too. */
  fireChanged(digests: string[]): void {
    const events = urisOfBlobs(digests).map((uri) => ({ type: vscode.FileChangeType.Changed, uri }));
    if (events.length > 0) {
      this.emitter.fire(events);
    }
  }

  private async call<T>(uri: vscode.Uri, fn: (api: StoreApi) => Promise<T>): Promise<T> {
    try {
      return await fn(this.storeApi());
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code === StoreErrorCode.NotFound) {
        throw vscode.FileSystemError.FileNotFound(uri);
      }
      if (code === StoreErrorCode.Integrity) {
        throw new DamagedBlob((err as Error).message);
      }
      if (err instanceof vscode.FileSystemError) {
        throw err;
      }
      throw vscode.FileSystemError.Unavailable(`${uri.toString()}: ${(err as Error).message}`);
    }
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined); // changes come from the server's store watcher
  }
  readDirectory(): [string, vscode.FileType][] {
    return [];
  }
  createDirectory(): void {
    throw vscode.FileSystemError.NoPermissions('blob documents are read-only');
  }
  writeFile(): void {
    throw vscode.FileSystemError.NoPermissions('blob documents are read-only');
  }
  delete(): void {
    throw vscode.FileSystemError.NoPermissions('blob documents are read-only');
  }
  rename(): void {
    throw vscode.FileSystemError.NoPermissions('blob documents are read-only');
  }
}

/**
 * Each blob's canonical URI and those of its open titled tabs (`/sha256/<hex>/<title>`): a change event or a
 * Problems entry on the canonical URI alone would not reach a tab opened under a title.
 */
export function urisOfBlobs(digests: Iterable<string>, opts: { canonicalOnlyIfUnopened?: boolean } = {}): vscode.Uri[] {
  const wanted = new Set([...digests].map((d) => d.slice(7)));
  const titled = new Map<string, vscode.Uri[]>();
  const canonicalOpen = new Set<string>();
  for (const doc of vscode.workspace.textDocuments) {
    const hex = doc.uri.scheme === BLOB_SCHEME ? hexOfBlobPath(doc.uri.path) : undefined;
    if (hex && wanted.has(hex)) {
      if (doc.uri.path === `/sha256/${hex}`) {
        canonicalOpen.add(hex);
      } else {
        titled.set(hex, [...(titled.get(hex) ?? []), doc.uri]);
      }
    }
  }
  const uris: vscode.Uri[] = [];
  for (const hex of wanted) {
    // A Problems entry once per blob where it can be: on its titled tab when only that is open.
    if (!opts.canonicalOnlyIfUnopened || canonicalOpen.has(hex) || !titled.has(hex)) {
      uris.push(vscode.Uri.parse(blobUri(hex)));
    }
    appendAll(uris, titled.get(hex) ?? []);
  }
  return uris;
}
