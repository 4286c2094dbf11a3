// The message protocol between the search page (client/pages/search, a webview in the store's side bar) and its
// host (client/src/searchView). Both sides import these types; the host checks every message from the page with
// `checkedSearchMessage` before it acts.
import type { SearchResult } from '../protocol/search';
import { dumpedText, isDigest, isWhole, messageFields } from '../common/pageProtocol';
import { MAX_QUERY_CHARS } from './query';

/** What the page shows: the query, and its answer, its error at a column, or how far indexing has come. */
export interface SearchPageState {
  query: string;
  /** A query is running (a new one cancels it). */
  busy: boolean;
  /** Indexing progress while the first query reads the store ("1,200 of 10,000 snapshots"). */
  progress?: string;
  result?: SearchResult;
  error?: { message: string; column?: number };
}

/** Host to page: a state to render, or a request for the text as it reads (tests). */
export type HostToSearchPage = { type: 'state'; state: SearchPageState } | { type: 'dump' };

/** Where a hit leads: its snapshot, and the message, tool call or file in it. */
export interface HitTarget {
  image: string;
  layer: 'trace' | 'ledger' | 'fs' | 'env';
  index?: number;
  path?: string;
  line?: number;
  /** The matched text, to mark where it opens. */
  highlight?: string;
}

/** Page to host: the handshake, a query to run, the next page of snapshots, a hit to open, the text asked for. */
export type SearchPageToHost =
  | { type: 'ready' }
  | { type: 'query'; query: string }
  | { type: 'more'; offset: number }
  | { type: 'open'; target: HitTarget }
  | { type: 'dumped'; text: string };

const LAYERS = ['trace', 'ledger', 'fs', 'env'];
const MAX_PATH = 4096;
const MAX_HIGHLIGHT = 1000;

/** A message from the page as the host may act on it, or undefined for anything malformed. */
export function checkedSearchMessage(raw: unknown): SearchPageToHost | undefined {
  const m = messageFields(raw);
  switch (m?.type) {
    case 'ready':
      return { type: 'ready' };
    case 'query':
      return typeof m.query === 'string' && m.query.length <= MAX_QUERY_CHARS
        ? { type: 'query', query: m.query }
        : undefined;
    case 'more':
      return isWhole(m.offset) ? { type: 'more', offset: m.offset } : undefined;
    case 'open': {
      const t = messageFields(m.target);
      if (!t || !isDigest(t.image) || typeof t.layer !== 'string' || !LAYERS.includes(t.layer)) {
        return undefined;
      }
      const target: HitTarget = { image: t.image, layer: t.layer as HitTarget['layer'] };
      if (isWhole(t.index)) {
        target.index = t.index;
      }
      if (typeof t.path === 'string' && t.path.length <= MAX_PATH) {
        target.path = t.path;
      }
      if (isWhole(t.line)) {
        target.line = t.line;
      }
      if (typeof t.highlight === 'string' && t.highlight.length <= MAX_HIGHLIGHT) {
        target.highlight = t.highlight;
      }
      return { type: 'open', target };
    }
    case 'dumped': {
      const text = dumpedText(m.text);
      return text === undefined ? undefined : { type: 'dumped', text };
    }
  }
  return undefined;
}
