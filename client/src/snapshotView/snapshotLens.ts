// "Open Snapshot" above a .pfimg manifest: the image it is (its bytes' digest when it is the catalog's own copy,
// else the cataloged image with the same name and creation time, as a pretty-printed copy in a workspace).
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import type { StoreApi } from '../connection/storeApi';

export class SnapshotLens implements vscode.CodeLensProvider {
  constructor(private readonly api: () => StoreApi | undefined) {}

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const api = this.api();
    if (!api) {
      return [];
    }
    const text = doc.getText();
    const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`;
    let fields: { name?: unknown; createdAt?: unknown } = {};
    try {
      const m = JSON.parse(text) as { agent?: { fingerprint?: unknown }; created_at?: unknown; createdAt?: unknown };
      fields = { name: m.agent?.fingerprint, createdAt: m.created_at ?? m.createdAt };
    } catch {
      // not JSON (yet): only the exact bytes can match
    }
    const { images } = await api.images();
    const image =
      images.find((i) => i.digest === digest) ??
      images.find((i) => i.name !== undefined && i.name === fields.name && i.createdAt === fields.createdAt);
    if (!image) {
      return [];
    }
    return [
      new vscode.CodeLens(new vscode.Range(0, 0, 0, 0), {
        title: `$(preview) Open Snapshot${image.name ? ` · ${image.name}` : ''}`,
        command: 'processfork.openSnapshot',
        arguments: [image.digest],
      }),
    ];
  }
}
