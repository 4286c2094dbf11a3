// The snapshot's layers read from the store, each through its scan on a worker (the scans register themselves
// on this thread too, for the CLI's main thread). A layer blob that is missing or fails its re-hash is not read
// at all: the answer says so, and no verdict is drawn from bytes that are not the blob's.
import type { UnreadableLayer } from '../../../../shared/snapshots/snapshotView';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import { StoreError } from '../errors';
import { JSON_LAYER_SCAN, type JsonLayer, type JsonLayerParams } from './world/jsonLayerScan';
import type { LedgerReport } from '../../../../shared/snapshots/snapshotView';
import { LEDGER_SCAN, type LedgerScanParams } from './ledger/ledgerScan';
import { previewTrace, TRACE_SCAN, type TraceReport, type TraceScanParams } from './trace/traceScan';
import './layerScanList';
import { MAX_SCAN_BYTES } from './scanLimits';

export function isUnreadable(value: unknown): value is UnreadableLayer {
  return value !== null && typeof value === 'object' && 'unreadable' in value;
}

async function scan<T>(
  store: FsBlobStore,
  hex: string,
  name: string,
  params: unknown,
  signal?: AbortSignal,
  maxBytes?: number,
): Promise<T | UnreadableLayer> {
  try {
    return await store.scanLayer<T>(hex, name, params, { signal, maxBytes });
  } catch (err) {
    if (err instanceof StoreError && err.code !== 'cancelled') {
      return { unreadable: err.message, missing: err.code === 'not-found' };
    }
    throw err;
  }
}

export function readLedger(
  store: FsBlobStore,
  hex: string,
  params: LedgerScanParams = {},
  signal?: AbortSignal,
): Promise<LedgerReport | UnreadableLayer> {
  return scan<LedgerReport>(store, hex, LEDGER_SCAN, params, signal, MAX_SCAN_BYTES);
}

export function readTrace(
  store: FsBlobStore,
  hex: string,
  params: TraceScanParams = {},
  signal?: AbortSignal,
): Promise<TraceReport | UnreadableLayer> {
  return scan<TraceReport>(store, hex, TRACE_SCAN, params, signal, MAX_SCAN_BYTES);
}

/** A trace's stored size above which its first page is worth answering before the whole trace is read. */
const PREVIEW_BYTES = 4 << 20;

/**
 * The first page of a long trace from its first bytes, unchecked (`preview`); a trace shorter than that is
 * read whole (checked) as readTrace does: it costs about the same.
 */
export async function readTracePreview(
  store: FsBlobStore,
  hex: string,
  params: TraceScanParams = {},
  signal?: AbortSignal,
): Promise<TraceReport | UnreadableLayer> {
  let head: Buffer;
  try {
    head = await store.head(hex, PREVIEW_BYTES, { signal });
  } catch (err) {
    if (err instanceof StoreError && err.code !== 'cancelled') {
      return { unreadable: err.message, missing: err.code === 'not-found' };
    }
    throw err;
  }
  return head.length < PREVIEW_BYTES ? readTrace(store, hex, params, signal) : previewTrace(head, params);
}

export function readJsonLayer<T>(
  store: FsBlobStore,
  hex: string,
  layer: JsonLayer,
  signal?: AbortSignal,
): Promise<T | UnreadableLayer> {
  return scan<T>(store, hex, JSON_LAYER_SCAN, { layer } satisfies JsonLayerParams, signal);
}

export type { UnreadableLayer };
