// processfork/search: one page of the snapshots a query matches, as `pfstore search` finds them: params checked,
// the host asked (the index brought up to date, with progress while new snapshots are read), the page's record
// verdicts read now, and a malformed query answered with the column at fault.
import type { Connection } from 'vscode-languageserver';
import { ResponseError } from 'vscode-languageserver';
import { formatDigest } from '../../../shared/blobs/digest';
import { progressOf } from '../../../shared/common/format';
import { QueryError } from '../../../shared/search/query';
import {
  SearchRequest,
  StoreErrorCode,
  type SearchParams,
  type SearchQueryErrorData,
  type SearchResult,
} from '../../../shared/protocol';
import type { StoreHost } from '../host/storeHost';
import { workDoneOn } from '../lsp/progressReporters';
import { abortSignalOf, guarded, invalidInput, objectParams, wholeParam } from '../lsp/rpcErrors';
import { SearchError } from '../store/search/searchQuery';

const DEFAULT_PAGE = 50;
const MAX_PAGE = 200;

export function registerSearchRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);
  connection.onRequest(
    SearchRequest.type,
    guarded(log, async (raw, token): Promise<SearchResult> => {
      const params = objectParams<SearchParams>(raw, 'search');
      if (typeof params.query !== 'string') {
        throw invalidInput('query must be a string');
      }
      const offset = wholeParam(params.offset ?? 0, 'offset', Number.MAX_SAFE_INTEGER);
      const limit = wholeParam(params.limit ?? DEFAULT_PAGE, 'limit', MAX_PAGE);
      const signal = abortSignalOf(token);
      const workDone = workDoneOn(connection, params.workDoneToken);
      let begun = false;
      let found;
      try {
        found = await host.open.search.search(params.query, {
          signal,
          progress: ({ done, total }) => {
            if (!begun) {
              workDone.begin('Indexing snapshots for search');
              begun = true;
            }
            workDone.report(Math.floor((done / total) * 100), progressOf(done, total, 'snapshots'));
          },
        });
      } catch (err) {
        if (err instanceof QueryError) {
          throw new ResponseError<SearchQueryErrorData>(StoreErrorCode.InvalidInput, err.message, {
            column: err.column,
          });
        }
        if (err instanceof SearchError) {
          throw invalidInput(err.message);
        }
        throw err;
      } finally {
        if (begun) {
          workDone.done();
        }
      }
      const page = found.answer.snapshots.slice(offset, offset + limit).map((s) => found.answer.hitsOf(s));
      const states = await host.open.search.recordStates(
        page.map((s) => s.image),
        signal,
      );
      return {
        total: found.answer.snapshots.length,
        searched: found.searched,
        offset,
        indexed: found.indexed,
        snapshots: page.map((s) => {
          const state = states.get(s.image);
          return {
            ...s,
            image: formatDigest(s.image),
            record: state?.record ?? 'not checked',
            ...(state?.why ? { recordWhy: state.why } : {}),
            secrets: [...new Set(state?.secrets ?? [])],
          };
        }),
      };
    }),
  );
}
