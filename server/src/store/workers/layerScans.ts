// Scans that read a blob's decoded bytes as they stream out of zstd on a worker (an effects ledger's chain, the
// first page of a trace, a CRIU dump's header): hundreds of MiB never sit on any heap, and the CPU work (a SHA-256
// and an HMAC per ledger entry) stays off the server's main thread. The scans themselves live with the layer
// readers (store/layers/); this room only runs them by name, so workers import nothing above them.

/** One scan over one blob: `chunk` hears the decoded bytes in order (the buffer is reused: copy what you keep). */
export interface LayerScan {
  chunk(bytes: Buffer): void;
  /** Called once the whole blob decoded and re-hashed to its digest; the value goes back to the caller. */
  finish(decodedBytes: number): unknown;
}

const factories = new Map<string, (params: unknown) => LayerScan>();

/** Registered at import by the module that defines the scan, on every thread that imports it. */
export function registerLayerScan(name: string, factory: (params: unknown) => LayerScan): void {
  factories.set(name, factory);
}

export function startLayerScan(name: string, params: unknown): LayerScan {
  const factory = factories.get(name);
  if (!factory) {
    throw new Error(`no layer scan named ${JSON.stringify(name)} on this thread`);
  }
  return factory(params);
}
