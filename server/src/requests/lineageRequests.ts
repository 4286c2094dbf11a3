// Comparing images and walking their lineage, for the editor's compare commands and lineage view.
import type { Connection } from 'vscode-languageserver';
import { formatDigest, parseDigest } from '../../../shared/blobs/digest';
import type { DiffImagesParams, ImageFilesParams, LineageParams } from '../../../shared/protocol';
import { DiffImagesRequest, ImageFilesRequest, LineageRequest } from '../../../shared/protocol';
import type { StoreHost } from '../host/storeHost';
import { guarded, invalidInput, objectParams } from '../lsp/rpcErrors';
import { StoreError } from '../store/errors';
import { diffImages, diffToJson, fsEntries } from '../store/analysis/imageDiff';
import { lineageLog, logEntryToJson } from '../store/analysis/lineage';
import { compareSnapshots } from '../store/layers/snapshot/compareSnapshots';

export function registerLineageRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);

  connection.onRequest(
    DiffImagesRequest.type,
    guarded(log, async (raw) => {
      const params = objectParams<DiffImagesParams>(raw, 'diffImages');
      const catalog = await host.open.images.entries();
      const [a, b] = [parseDigest(params.a), parseDigest(params.b)];
      const diff = await diffImages(host.open.store, catalog, a, b);
      const manifest = (hex: string) => catalog.find((e) => e.hex === hex)?.manifest;
      const [ma, mb] = [manifest(a), manifest(b)];
      const snapshot =
        ma && mb
          ? await compareSnapshots(host.open.store, ma, mb, { operatorSecretHex: host.sessionSecretHex })
          : undefined;
      return { ...diffToJson(diff), snapshot };
    }),
  );

  connection.onRequest(
    ImageFilesRequest.type,
    guarded(log, async (raw) => {
      const hex = parseDigest(objectParams<ImageFilesParams>(raw, 'imageFiles').digest);
      const entry = await host.open.images.image(hex);
      if (!entry) {
        throw new StoreError('not-found', `image ${formatDigest(hex)} is not in the catalog`);
      }
      const files = await fsEntries(host.open.store, entry.manifest.world.fs);
      return {
        image: formatDigest(hex),
        entries: [...files.values()].map((e) => ({
          path: e.path,
          digest: e.digest ? formatDigest(e.digest) : null,
          size: e.size ?? null,
          kind: e.kind ?? null,
        })),
      };
    }),
  );

  connection.onRequest(
    LineageRequest.type,
    guarded(log, async (raw) => {
      const params = raw === undefined || raw === null ? {} : objectParams<LineageParams>(raw, 'lineage');
      const of = params.image === undefined ? undefined : parseDigest(params.image);
      const catalog = await host.open.images.entries();
      if (of !== undefined && !catalog.some((e) => e.hex === of && e.manifest)) {
        throw invalidInput(`image ${formatDigest(of)} is not in the catalog`);
      }
      return { images: lineageLog(catalog, of).map(logEntryToJson) };
    }),
  );
}
