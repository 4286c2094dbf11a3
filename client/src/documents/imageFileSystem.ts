// An image's files as a read-only folder: `processfork-image:/<image hex>/<path>`. Listings come from the
// image's `world.fs` tree (the server reads it, re-hashed); file contents come through the blob documents'
// reader, so every byte is verified and large files keep the open-size limit. Nothing is restored to disk.
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobs/blobUri';
import type { ImageFileEntry } from '../../../shared/protocol/index';
import type { BlobFileSystem } from './blobFileSystem';
import type { StoreApi } from '../connection/storeApi';

export const IMAGE_SCHEME = 'processfork-image';

interface Node {
  type: vscode.FileType;
  size: number;
  digest?: string;
  children?: Map<string, Node>;
}

export function imageFolderUri(imageDigest: string): vscode.Uri {
  return vscode.Uri.from({ scheme: IMAGE_SCHEME, path: `/${imageDigest.slice(7)}` });
}

/** The tree as directories and files; parents an entry implies are directories too. */
function indexOf(entries: ImageFileEntry[]): Node {
  const root: Node = { type: vscode.FileType.Directory, size: 0, children: new Map() };
  const dirAt = (parts: string[]): Node => {
    let node = root;
    for (const part of parts) {
      let next = node.children!.get(part);
      if (!next || !next.children) {
        next = { type: vscode.FileType.Directory, size: 0, children: next?.children ?? new Map() };
        node.children!.set(part, next);
      }
      node = next;
    }
    return node;
  };
  for (const e of entries) {
    const parts = e.path.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.length === 0) {
      continue;
    }
    const name = parts.pop()!;
    const parent = dirAt(parts);
    if (e.digest) {
      parent.children!.set(name, { type: vscode.FileType.File, size: e.size ?? 0, digest: e.digest });
    } else if (e.kind === 'symlink') {
      parent.children!.set(name, { type: vscode.FileType.File | vscode.FileType.SymbolicLink, size: 0 });
    } else if (!parent.children!.get(name)?.children) {
      parent.children!.set(name, { type: vscode.FileType.Directory, size: 0, children: new Map() });
    }
  }
  return root;
}

export class ImageFileSystem implements vscode.FileSystemProvider {
  private readonly emitter = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.emitter.event;
  private readonly indexes = new Map<string, Promise<Node>>();

  constructor(
    private readonly api: () => StoreApi | undefined,
    private readonly blobs: BlobFileSystem,
  ) {}

  private async nodeAt(uri: vscode.Uri): Promise<Node> {
    const [image, ...parts] = uri.path.split('/').filter((p) => p !== '');
    if (!image || !/^[0-9a-f]{64}$/.test(image)) {
      throw vscode.FileSystemError.FileNotFound(uri);
    }
    let index = this.indexes.get(image);
    if (!index) {
      const api = this.api();
      if (!api) {
        throw vscode.FileSystemError.Unavailable('the store server is not running yet');
      }
      index = api.imageFiles(`sha256:${image}`).then((r) => indexOf(r.entries));
      index.catch(() => this.indexes.delete(image));
      this.indexes.set(image, index);
    }
    let node = await index.catch(() => {
      throw vscode.FileSystemError.FileNotFound(uri);
    });
    for (const part of parts) {
      const next = node.children?.get(part);
      if (!next) {
        throw vscode.FileSystemError.FileNotFound(uri);
      }
      node = next;
    }
    return node;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const node = await this.nodeAt(uri);
    return { type: node.type, ctime: 0, mtime: 0, size: node.size, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<Array<[string, vscode.FileType]>> {
    const node = await this.nodeAt(uri);
    if (!node.children) {
      throw vscode.FileSystemError.FileNotADirectory(uri);
    }
    return [...node.children].map(([name, child]) => [name, child.type]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const node = await this.nodeAt(uri);
    if (node.children) {
      throw vscode.FileSystemError.FileIsADirectory(uri);
    }
    if (!node.digest) {
      return new Uint8Array(0); // a symlink: the tree records no target content
    }
    return this.blobs.readFile(vscode.Uri.parse(blobUri(node.digest.slice(7))));
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  createDirectory(): never {
    throw vscode.FileSystemError.NoPermissions('an image is read-only');
  }
  writeFile(): never {
    throw vscode.FileSystemError.NoPermissions('an image is read-only');
  }
  delete(): never {
    throw vscode.FileSystemError.NoPermissions('an image is read-only');
  }
  rename(): never {
    throw vscode.FileSystemError.NoPermissions('an image is read-only');
  }
}
