// What a lineage did: the effects timeline of a snapshot and everything forked or merged from it, for the
// editor's panel (`pfstore effects` prints the same). Calls come a page at a time; the lineage whole.
import { MessageDirection, RequestType } from 'vscode-languageserver-protocol';
import type { LedgerVerdict } from '../snapshots/snapshotView';

export interface EffectsParams {
  /** The lineage's first snapshot: a name, a digest or a unique digest prefix. */
  image: string;
  /** Index of the first call wanted (from 0, time order). */
  offset?: number;
  /** Calls wanted, at most 5,000 (default 2,000). */
  limit?: number;
}

/** One snapshot of the lineage, parents before children. */
export interface LineageSnapshot {
  image: string;
  name: string | null;
  createdAt: string | null;
  /** Its parents within the lineage (the root's are outside it). */
  parents: string[];
  /** Its record is a merge record (`effects.merged.v1`). */
  merge: boolean;
  /** Its record (or a merged parent's) is not intact: why. */
  notIntact?: string;
}

/** One distinct tool call of the lineage. */
export interface EffectCall {
  key: string;
  ts: string | null;
  tool: string | null;
  sideEffectClass: string | null;
  /** The snapshot that first recorded it, and its entry there (absent when that snapshot is a merge). */
  first: string;
  firstEntry?: number;
  /** The merges whose record carries it. */
  merges: string[];
  heldBy: number;
  /** The best verdict of the records it was read from. */
  chain: LedgerVerdict;
  replayed: boolean;
}

export interface EffectsResult {
  root: string;
  lineage: LineageSnapshot[];
  /** Every call of the lineage. */
  total: number;
  irreversible: number;
  /** This page of them, in time order. */
  calls: EffectCall[];
  offset: number;
}

/** client → server: a lineage's snapshots and one page of its distinct tool calls, in time order. */
export namespace EffectsRequest {
  export const method = 'processfork/effects' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<EffectsParams, EffectsResult, void>(method);
}
