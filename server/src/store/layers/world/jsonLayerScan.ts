// A layer that is one JSON value (env.v1, the procs shapes, model.diff.v1, the cache page list) or a short text
// (model.base), read on a worker and summarised there, so neither its bulk (a model diff is tens of MiB of
// numbers) nor a secret's value reaches the main thread. procs.criu.v1 from pf's CLI is a JSON header line and a
// tar archive of CRIU's files, hundreds of MiB: the header is parsed, the archive listed as it streams by.
import type {
  JsonLayer,
  TooLargeLayer,
  NotJsonLayer,
  ModelBaseSummary,
} from '../../../../../shared/snapshots/snapshotView';
import { registerLayerScan } from '../../workers/layerScans';
import {
  cacheSummary,
  envSummary,
  fsEntries,
  fsSummary,
  MAX_LISTED,
  modelDiffSummary,
  procsSummary,
  type ProcsSummary,
} from './layerSummaries';
import { TarMembers } from './tarMembers';
import { describeJsonFailure } from '../../../../../shared/common/boundedJson';

export const JSON_LAYER_SCAN = 'json-layer';

export interface JsonLayerParams {
  layer: JsonLayer;
  maxJsonBytes?: number;
}

/** Past this, a JSON layer is named by its size rather than parsed (64 MiB: tens of MiB of diff numbers fit). */
const DEFAULT_MAX_JSON = 64 << 20;
/** A CRIU header line is a few hundred bytes; a first line past this is not one. */
const MAX_HEADER_LINE = 1 << 20;

class JsonLayerScan {
  private parts: Buffer[] = [];
  private held = 0;
  private total = 0;
  private tar?: TarMembers;
  private criuHeader?: unknown;

  constructor(private readonly params: JsonLayerParams) {}

  chunk(bytes: Buffer): void {
    this.total += bytes.length;
    if (this.tar) {
      this.tar.chunk(bytes);
      return;
    }
    if (this.held + bytes.length <= (this.params.maxJsonBytes ?? DEFAULT_MAX_JSON)) {
      this.parts.push(Buffer.from(bytes));
      this.held += bytes.length;
    } else {
      this.parts = []; // too large to parse: only its size is reported
    }
    if (this.params.layer === 'procs' && this.criuHeader === undefined) {
      this.lookForCriuHeader();
    }
  }

  finish(decodedBytes: number): unknown {
    const layer = this.params.layer;
    if (this.tar) {
      const summary = procsSummary(this.criuHeader) as ProcsSummary;
      summary.members = this.tar.members;
      summary.memberCount = this.tar.count;
      if (this.tar.broken) {
        summary.fields.push(['archive', `unreadable after ${this.tar.count} members: ${this.tar.broken}`]);
      }
      return summary;
    }
    if (this.parts.length === 0 && decodedBytes > 0) {
      return { layer, tooLarge: decodedBytes } satisfies TooLargeLayer;
    }
    const text = Buffer.concat(this.parts, this.held).toString('utf8');
    if (layer === 'model-base') {
      return /^base:[\x20-\x7e]{1,200}$/.test(text.trim())
        ? ({ layer, name: text.trim().slice(5) } satisfies ModelBaseSummary)
        : ({ layer, opaqueBytes: decodedBytes } satisfies ModelBaseSummary);
    }
    // JSON.parse is iterative (a deep value parses); each summary guards what it stringifies, item by item.
    let value: unknown;
    try {
      value = decodedBytes === 0 ? {} : JSON.parse(text);
    } catch {
      // Never the parser's own message: it quotes the bytes around the fault, and they can be a password.
      return { layer, notJson: describeJsonFailure(text) } satisfies NotJsonLayer;
    }
    switch (layer) {
      case 'env':
        return envSummary(value);
      case 'procs':
        return procsSummary(value);
      case 'model-diff':
        return modelDiffSummary(value);
      case 'cache':
        return cacheSummary(value);
      case 'fs':
        return fsSummary(value);
      case 'fs-entries':
        return fsEntries(value);
    }
  }

  /** After the first line feed: a procs.criu.v1 header followed by more bytes means a tar archive follows. */
  private lookForCriuHeader(): void {
    const head = Buffer.concat(this.parts, this.held);
    const nl = head.indexOf(10);
    if (nl === -1) {
      if (this.held > MAX_HEADER_LINE) {
        this.criuHeader = null; // not a header line: read as one JSON value
      }
      return;
    }
    let header: unknown = null;
    try {
      header = JSON.parse(head.toString('utf8', 0, nl));
    } catch {
      // not a header line
    }
    const rest = head.subarray(nl + 1);
    if ((header as { kind?: unknown } | null)?.kind === 'procs.criu.v1' && rest.length > 0) {
      this.criuHeader = header;
      this.tar = new TarMembers(MAX_LISTED);
      this.parts = [];
      this.held = 0;
      this.tar.chunk(rest);
    } else if ((header as { kind?: unknown } | null)?.kind !== 'procs.criu.v1') {
      this.criuHeader = null; // one JSON value: read whole
    }
  }
}

registerLayerScan(JSON_LAYER_SCAN, (params) => new JsonLayerScan(params as JsonLayerParams));

export type { JsonLayer, TooLargeLayer, NotJsonLayer, ModelBaseSummary };
