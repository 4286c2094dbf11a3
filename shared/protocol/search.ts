// Search across every snapshot of the store: one query in the grammar `pfstore search` takes (shared/search/
// query.ts), answered a page of snapshots at a time, each with the places that matched and its record verdict
// checked afresh (the index is derived data, never a verdict). A malformed query is an InvalidInput error whose
// `data.column` (1-based) points at the fault.
import { MessageDirection, RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { SearchHit } from '../search/searchResults';

export interface SearchParams extends WorkDoneProgressParams {
  query: string;
  /** Index of the first matching snapshot wanted (newest first, from 0). */
  offset?: number;
  /** Snapshots wanted, at most 200 (default 50). */
  limit?: number;
}

export interface SearchSnapshot {
  image: string;
  name: string | null;
  created: string;
  hits: SearchHit[];
  moreHits: number;
  /** The record's verdict, read now: `intact`, `not intact`, `not checked` or `none`. */
  record: 'intact' | 'not intact' | 'not checked' | 'none';
  /** Why it is not intact, in words (a merge names the parent whose record is not). */
  recordWhy?: string;
  /** Variables holding a secret in clear (names only). */
  secrets: string[];
}

export interface SearchResult {
  /** Snapshots that match. */
  total: number;
  /** Snapshots searched. */
  searched: number;
  offset: number;
  snapshots: SearchSnapshot[];
  /** Snapshots read into the index for this query (new since the last one). */
  indexed: number;
}

/** The `data` of a query error. */
export interface SearchQueryErrorData {
  column: number;
}

/** client → server: one page of the snapshots a query matches. */
export namespace SearchRequest {
  export const method = 'processfork/search' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<SearchParams, SearchResult, void>(method);
}
