// pfstore search QUERY: one question over every snapshot of the store (the grammar in shared/search/query.ts).
// The index is brought up to date first (progress on stderr when snapshots are new); the record verdict shown
// beside each snapshot is checked afresh from its ledger, never taken from the index.
import { formatDigest, shortDigest } from '../../../../shared/blobs/digest';
import { plural, shortTime } from '../../../../shared/common/format';
import { terminalLine } from '../../../../shared/common/terminalText';
import { parseQuery, QueryError } from '../../../../shared/search/query';
import type { SearchHit, SnapshotHits } from '../../../../shared/search/searchResults';
import { recordStatesOf, type RecordState } from '../../store/layers/snapshot/recordStates';
import { SearchIndex } from '../../store/search/searchIndex';
import { SearchError, searchFacts } from '../../store/search/searchQuery';
import type { Command } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { progressOnStderr } from '../progress';

/** Nothing matched: a script tells it from a failure (1) and from a match (0). */
export const EXIT_NO_MATCH = 3;
const DEFAULT_LIMIT = 50;

export const searchCommand: Command = {
  name: 'search',
  usage: 'pfstore search QUERY [--images] [--limit N]   (words, "a phrase", /regex/, tool:NAME, secret:*, …)',
  summary: 'find snapshots by what they said, ran, held and are: one query over the whole store',
  flags: { values: ['--limit'], switches: ['--images'] },
  async run(ctx) {
    if (ctx.args.positional.length === 0) {
      throw new CliError('search takes a query: words, "a phrase", /regex/, or fields such as tool:git_push secret:*');
    }
    const text = ctx.args.positional.join(' ');
    const limit = limitOf(ctx.args.values.get('--limit'));
    let query;
    try {
      query = parseQuery(text);
    } catch (err) {
      if (err instanceof QueryError) {
        throw new CliError(`${err.message}\n  ${text}\n  ${' '.repeat(err.column - 1)}^`);
      }
      throw err;
    }
    const index = new SearchIndex(ctx.store);
    const progress = progressOnStderr('pfstore: indexing snapshots');
    const images = ctx.args.switches.has('--images');
    // Hits are made for what is printed with them only (--images needs none), inside `using`: a section of the
    // index found damaged while it is read is read again from the store, and the query asked again.
    const { update, answer, shown, withHits } = await index.using(
      { signal: ctx.signal, progress: (p) => progress.update(p.done, p.total) },
      (update) => {
        progress.finish();
        let answer;
        try {
          answer = searchFacts(update.facts, update.live, query);
        } catch (err) {
          if (err instanceof SearchError) {
            throw new CliError(err.message);
          }
          throw err;
        }
        const shown = limit === 0 ? answer.snapshots : answer.snapshots.slice(0, limit);
        return { update, answer, shown, withHits: images ? [] : shown.map((s) => answer.hitsOf(s)) };
      },
    );
    if (update.discarded > 0) {
      ctx.err(`pfstore: ${plural(update.discarded, 'index file')} damaged or of another version: removed, read again`);
    }
    if (images) {
      // One write for them all (10,000 lines written one by one took 9 ms), made terminal-safe whole; a line
      // break inside a name is escaped first, so a name cannot begin a line of its own.
      const safe = (text: string) => (text.includes('\n') ? terminalLine(text) : text);
      const lines = shown.map((s) =>
        ctx.json
          ? JSON.stringify({ image: formatDigest(s.image), name: s.name, created: s.created })
          : `${safe(s.name ?? '(no name)')}  ${shortDigest(s.image)}  ${safe(shortTime(s.created) ?? s.created)}`,
      );
      if (lines.length > 0) {
        ctx.outLines(lines.join('\n'));
      }
    } else if (ctx.json) {
      for (const s of withHits) {
        for (const h of s.hits) {
          ctx.outLines(JSON.stringify(jsonHit(s, h)));
        }
      }
    } else {
      // Read afresh from the store for the snapshots shown: the index is never a verdict.
      const states = await recordStatesOf(
        ctx.store,
        withHits.map((s) => s.image),
        { signal: ctx.signal },
      );
      for (const s of withHits) {
        ctx.out(snapshotLine(s, states.get(s.image)));
        for (const h of s.hits) {
          ctx.out(`  ${hitLine(h)}`);
        }
        if (s.moreHits > 0) {
          ctx.out(`  … and ${plural(s.moreHits, 'more place')}`);
        }
      }
    }
    if (!ctx.json) {
      const total = answer.snapshots.length;
      const note = shown.length < total ? ` (${shown.length} shown; --limit 0 shows all)` : '';
      (images ? ctx.err : ctx.out)(`${plural(total, 'snapshot')} of ${update.live.size} matched${note}`);
    }
    return answer.snapshots.length > 0 ? EXIT_OK : EXIT_NO_MATCH;
  },
};

function limitOf(value: string | undefined): number {
  if (value === undefined) {
    return DEFAULT_LIMIT;
  }
  if (!/^\d{1,9}$/.test(value)) {
    throw new CliError('--limit takes a number of snapshots (0 for all of them)');
  }
  return Number(value);
}

function snapshotLine(s: SnapshotHits, state: RecordState | undefined): string {
  const record =
    state?.record === 'intact'
      ? 'record intact'
      : state?.record === 'not intact'
        ? state.badParent
          ? `RECORD NOT INTACT (parent ${state.badParent.name ?? 'ledger'})`
          : 'RECORD NOT INTACT'
        : state?.record === 'none'
          ? 'no record'
          : 'record not checked';
  const secrets =
    state && state.secrets.length > 0 ? `  ·  ${plural(new Set(state.secrets).size, 'secret')} in clear` : '';
  return `${s.name ?? '(no name)'}  ${shortDigest(s.image)}  ${shortTime(s.created) ?? s.created}  ·  ${record}${secrets}`;
}

/** The snippet with its match between « and ». */
function marked(h: SearchHit): string {
  if (!h.mark || h.mark[1] <= h.mark[0]) {
    return h.snippet;
  }
  const [a, b] = h.mark;
  return `${h.snippet.slice(0, a)}«${h.snippet.slice(a, b)}»${h.snippet.slice(b)}`;
}

function hitLine(h: SearchHit): string {
  switch (h.layer) {
    case 'trace':
      return `message ${h.index} (${h.label || 'not a message'}): ${marked(h)}`;
    case 'ledger':
      return `tool call ${h.index}: ${marked(h)}`;
    case 'fs':
      return h.line !== undefined ? `file ${h.path} line ${h.line}: ${marked(h)}` : `file ${marked(h)}`;
    case 'env':
      return h.secret ? `secret in clear: ${h.label} (its value is not shown)` : `environment variable ${h.label}`;
  }
}

function jsonHit(s: SnapshotHits, h: SearchHit): Record<string, unknown> {
  return {
    image: formatDigest(s.image),
    name: s.name,
    layer: h.layer,
    index: h.index ?? null,
    path: h.path ?? (h.layer === 'env' ? (h.label ?? null) : null),
    line: h.line ?? null,
    snippet: h.snippet,
  };
}
