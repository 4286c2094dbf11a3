// How much of a JSON Lines layer (a trace, a ledger) a scan reads before it stops and says so. A layer of blank
// lines compresses a thousandfold (256 MiB of line feeds is 8 KiB stored): without a line count and a decoded
// size bound, one such image keeps a worker busy for minutes. Real ledgers and traces stay far below both.

/** Lines read of one layer: 16,777,216 (a real trace of a million messages is 1/16 of it). */
export const MAX_SCAN_LINES = 1 << 24;

/** Decoded bytes read of one JSON Lines layer: 4 GiB. Past it the layer is "too large to read", by its size. */
export const MAX_SCAN_BYTES = 4 * 1024 ** 3;

export function tooManyLines(): string {
  return `the limit is ${MAX_SCAN_LINES.toLocaleString('en-US')} lines`;
}
