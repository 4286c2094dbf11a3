// The open store's search index, kept warm in memory between queries: each query first brings it up to date by
// the catalog's file names (new snapshots are read, removed ones drop out), one update at a time so two queries
// never read the same snapshot twice. The verdict beside a result is read from the store for that page only.
import { parseQuery } from '../../../shared/search/query';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { CancelledError } from '../store/errors';
import { recordStatesOf, type RecordState } from '../store/layers/snapshot/recordStates';
import type { ExtractProgress } from '../store/search/extractFacts';
import { SearchIndex } from '../store/search/searchIndex';
import { searchFacts, type SearchAnswer } from '../store/search/searchQuery';

/** A regular expression stops sooner here than on the command line: the server answers the editor. */
const REGEX_TIMEOUT_MS = 1000;

export class SearchHost {
  private readonly index: SearchIndex;
  private turn: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: FsBlobStore,
    private readonly operatorSecret: () => string | undefined,
    /** Whether the store may be written (not in Restricted Mode): else the index goes to the cache folder. */
    trusted: () => boolean = () => true,
  ) {
    this.index = new SearchIndex(store, { writeInStore: trusted });
  }

  /** Every snapshot `text` matches (QueryError for a malformed query), after bringing the index up to date. */
  async search(
    text: string,
    opts: { signal?: AbortSignal; progress?: (p: ExtractProgress) => void } = {},
  ): Promise<{ answer: SearchAnswer; searched: number; indexed: number }> {
    const query = parseQuery(text);
    return this.inTurn(() =>
      this.index.using(opts, (update) => {
        if (opts.signal?.aborted) {
          throw new CancelledError();
        }
        // The server keeps the index warm: every section is read (and checked) once, here, not in a later page.
        update.facts.readAll();
        const answer = searchFacts(update.facts, update.live, query, { regexTimeoutMs: REGEX_TIMEOUT_MS });
        return { answer, searched: update.live.size, indexed: update.added };
      }),
    ).catch((err: unknown) => {
      throw opts.signal?.aborted ? new CancelledError() : err;
    });
  }

  /** Each snapshot's record verdict and secrets in clear, read now from its layers. */
  recordStates(hexes: string[], signal?: AbortSignal): Promise<Map<string, RecordState>> {
    return recordStatesOf(this.store, hexes, { operatorSecretHex: this.operatorSecret(), signal });
  }

  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const mine = this.turn.then(work, work);
    this.turn = mine.catch(() => undefined);
    return mine;
  }
}
