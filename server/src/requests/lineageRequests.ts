// Comparing images and walking their lineage, for the editor's compare commands and lineage view.
import type { Connection } from 'vscode-languageserver';
import { formatDigest, parseDigest } from '../../../shared/digest';
import type { DiffImagesParams, LineageParams } from '../../../shared/protocol';
import { DiffImagesRequest, LineageRequest } from '../../../shared/protocol';
import type { StoreHost } from '../host/storeHost';
import { guarded, invalidInput, objectParams } from '../lsp/rpcErrors';
import { listImages } from '../store/imageCatalog';
import { diffImages, diffToJson } from '../store/imageDiff';
import { lineageLog, logEntryToJson } from '../store/lineage';

export function registerLineageRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);

  connection.onRequest(
    DiffImagesRequest.type,
    guarded(log, async (raw) => {
      const params = objectParams<DiffImagesParams>(raw, 'diffImages');
      const diff = await diffImages(
        host.open.store,
        await listImages(host.open.root),
        parseDigest(params.a),
        parseDigest(params.b),
      );
      return diffToJson(diff);
    }),
  );

  connection.onRequest(
    LineageRequest.type,
    guarded(log, async (raw) => {
      const params = raw === undefined || raw === null ? {} : objectParams<LineageParams>(raw, 'lineage');
      const of = params.image === undefined ? undefined : parseDigest(params.image);
      const catalog = await listImages(host.open.root);
      if (of !== undefined && !catalog.some((e) => e.hex === of && e.manifest)) {
        throw invalidInput(`image ${formatDigest(of)} is not in the catalog`);
      }
      return { images: lineageLog(catalog, of).map(logEntryToJson) };
    }),
  );
}
