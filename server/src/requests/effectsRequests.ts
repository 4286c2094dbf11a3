// processfork/effects: a lineage's timeline for the editor's panel, as `pfstore effects` reads it: params checked,
// the store asked, the answer translated into the protocol's words (digests with their prefix, one page of calls).
import type { Connection } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/blobs/digest';
import type { EffectCall, EffectsParams, EffectsResult, LineageSnapshot } from '../../../shared/protocol';
import { EffectsRequest } from '../../../shared/protocol';
import type { StoreHost } from '../host/storeHost';
import { abortSignalOf, guarded, invalidInput, objectParams, wholeParam } from '../lsp/rpcErrors';
import { imageName } from '../store/images/resolveImage';

const DEFAULT_PAGE = 2000;
const MAX_PAGE = 5000;

export function registerEffectsRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);
  connection.onRequest(
    EffectsRequest.type,
    guarded(log, async (raw, token): Promise<EffectsResult> => {
      const params = objectParams<EffectsParams>(raw, 'effects');
      if (typeof params.image !== 'string' || params.image === '') {
        throw invalidInput('image must be a snapshot name, a digest or a digest prefix');
      }
      const offset = wholeParam(params.offset ?? 0, 'offset', Number.MAX_SAFE_INTEGER);
      const limit = wholeParam(params.limit ?? DEFAULT_PAGE, 'limit', MAX_PAGE);
      const { catalog, hex, timeline } = await host.open.images.effects(params.image, abortSignalOf(token));
      const entries = new Map(catalog.map((e) => [e.hex, e]));
      const inLineage = new Set(timeline.lineage);
      const notIntact = new Map(timeline.notIntact.map((n) => [n.image, n.reason]));
      const lineage: LineageSnapshot[] = timeline.lineage.map((image) => {
        const e = entries.get(image);
        const snapshot: LineageSnapshot = {
          image: formatDigest(image),
          name: (e && imageName(e)) ?? null,
          createdAt: e?.manifest?.createdAt ?? null,
          parents: image === hex ? [] : (e?.manifest?.parents ?? []).filter((p) => inLineage.has(p)).map(formatDigest),
          merge: (e?.manifest?.parents.length ?? 0) > 1,
        };
        const why = notIntact.get(image);
        return why === undefined ? snapshot : { ...snapshot, notIntact: why };
      });
      const calls: EffectCall[] = timeline.calls.slice(offset, offset + limit).map((c) => ({
        key: c.key,
        ts: c.ts ?? null,
        tool: c.tool ?? null,
        sideEffectClass: c.sideEffectClass ?? null,
        first: formatDigest(c.first),
        ...(c.firstEntry === undefined ? {} : { firstEntry: c.firstEntry }),
        merges: c.merges.map(formatDigest),
        heldBy: c.heldBy,
        chain: c.chain,
        replayed: c.replayed,
      }));
      return {
        root: formatDigest(hex),
        lineage,
        total: timeline.calls.length,
        irreversible: timeline.calls.filter((c) => c.sideEffectClass === 'irreversible').length,
        calls,
        offset,
      };
    }),
  );
}
