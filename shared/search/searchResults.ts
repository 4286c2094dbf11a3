// What a search answers, the same in `pfstore search --json` and over JSON-RPC: snapshots that match, each with
// the places that made it match. No hit ever holds a secret's value: env and secret hits are names, and a
// snippet of text has credentials of a known shape hidden before it leaves the store.

export type HitLayer = 'trace' | 'ledger' | 'fs' | 'env';

export interface SearchHit {
  layer: HitLayer;
  /** trace: the message's 0-based position in the snapshot's trace; ledger: the entry's in its record. */
  index?: number;
  /** trace: the message's role; ledger: the call's tool; env: the variable's name. */
  label?: string;
  /** fs: the entry's path; with `line` (1-based) for a match in the file's text. */
  path?: string;
  line?: number;
  /** The words around the match, one line, credentials hidden. */
  snippet: string;
  /** Where the match stands in `snippet`, [start, end) in UTF-16 code units. */
  mark?: [number, number];
  /** env: the variable holds a secret in clear (its value is never shown). */
  secret?: boolean;
}

export interface SnapshotHits {
  image: string;
  name: string | null;
  created: string;
  hits: SearchHit[];
  /** Hits past the ones listed. */
  moreHits: number;
}
