// pfstore show IMAGE: what a snapshot is, in its user's words. Which one (name, agent, lineage), what the agent
// said (the conversation), what it did (the tool calls, and whether that record is intact), what it ran with
// (environment and processes; secrets in clear named, never printed), model, cache and files.
import { formatBytes } from '../../../../shared/common/format';
import type { ImageRef, SnapshotView, TraceMessage, TraceReport } from '../../../../shared/snapshots/snapshotView';
import type { UnreadableLayer } from '../../store/layers/readLayers';
import { listImages } from '../../store/images/imageCatalog';
import { describeSnapshot } from '../../store/layers/snapshot/describeSnapshot';
import { isUnreadable, readTrace } from '../../store/layers/readLayers';
import type { Command, CommandContext } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { resolveImage } from '../../store/images/resolveImage';
import { operatorSecret } from '../operatorSecret';
import { tooManyLines } from '../../store/layers/scanLimits';
import { recordStates, type RecordState } from '../../store/layers/snapshot/recordStates';
import { plural } from '../../../../shared/common/format';
import { shortDigest } from '../../../../shared/blobs/digest';

/** With --full: every tool call, up to this many (the rest is counted). */
const FULL_LIMIT = 100_000;
/**
 * With --full the conversation streams a page at a time, each page whole messages up to this many characters:
 * a conversation of 300 MiB never sits on the worker's heap at once (each page re-reads the trace from its
 * start: a few passes of a fast decode, against a heap that would otherwise hold all of it).
 */
const FULL_PAGE_CHARS = 16 << 20;

export const showCommand: Command = {
  name: 'show',
  usage: 'pfstore show IMAGE [--full] [--session-secret-hex HEX]   (a name, a digest or a unique prefix)',
  summary:
    'what a snapshot holds: conversation, tool calls and their chain, environment and secrets, processes, model, files',
  flags: { values: ['--session-secret-hex'], switches: ['--full'] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) {
      throw new CliError('show takes one image: its name, digest or a unique digest prefix');
    }
    const { hex } = await resolveImage(ctx.root, ctx.args.positional[0]);
    const full = ctx.args.switches.has('--full');
    const catalog = await listImages(ctx.root);
    const view = await describeSnapshot(ctx.store, catalog, hex, {
      operatorSecretHex: operatorSecret(ctx.args.values.get('--session-secret-hex')),
      firstMessages: full ? Number.MAX_SAFE_INTEGER : 20,
      firstToolCalls: full ? FULL_LIMIT : 50,
      maxContentChars: full ? Number.MAX_SAFE_INTEGER : 200,
      maxPageChars: full ? FULL_PAGE_CHARS : undefined,
      signal: ctx.signal,
    });
    // A merge's record is its parents' ledgers: whether those are intact is the merge's answer too.
    const entry = catalog.find((e) => e.hex === hex);
    const record = entry
      ? (
          await recordStates(ctx.store, catalog, [entry], {
            operatorSecretHex: operatorSecret(ctx.args.values.get('--session-secret-hex')),
            signal: ctx.signal,
          })
        ).get(hex)
      : undefined;
    if (ctx.json) {
      printJson(ctx, { ...view, record: record ?? null });
      return EXIT_OK;
    }
    const trace = catalog.find((e) => e.hex === hex)?.manifest?.trace.messages;
    const nextPage = (skip: number) =>
      readTrace(
        ctx.store,
        trace!,
        {
          skip,
          take: Number.MAX_SAFE_INTEGER,
          maxContentChars: Number.MAX_SAFE_INTEGER,
          maxPageChars: FULL_PAGE_CHARS,
          stopAfterPage: true,
        },
        ctx.signal,
      );
    await printView(ctx, view, full, full && trace ? nextPage : undefined, record);
    return EXIT_OK;
  },
};

function printMessage(out: (line: string) => void, m: TraceMessage, full: boolean): void {
  if (m.problem) {
    out(`  [${m.index}] unreadable line: ${m.problem}`);
    return;
  }
  const text = full ? m.content : (m.content.split('\n')[0] ?? '');
  const cut = !full && (m.contentChars > text.length || m.content.includes('\n')) ? ' …' : '';
  out(`  [${m.index}] ${m.role}: ${full ? '' : text}${cut}`);
  if (full) {
    for (const line of text.split('\n')) {
      out(`      ${line}`);
    }
  }
}

const label = (r: ImageRef) =>
  `${r.name ?? '(no name)'} (${shortDigest(r.image)})${r.known ? '' : ' not in the catalog'}`;

async function printView(
  ctx: CommandContext,
  v: SnapshotView,
  full: boolean,
  nextPage?: (skip: number) => Promise<TraceReport | UnreadableLayer>,
  record?: RecordState,
): Promise<void> {
  const out = (line: string) => ctx.out(line);
  out(`${v.name ?? '(no name)'}  ${v.image}`);
  out(`  agent     ${[v.agent.kind, v.agent.version].filter(Boolean).join(' ') || '?'}`);
  out(`  created   ${v.createdAt ?? '?'}`);
  out(`  parents   ${v.parents.map(label).join(', ') || 'none'}`);
  out(`  children  ${v.children.map(label).join(', ') || 'none'}`);

  const conv = v.conversation;
  out('');
  if (!conv || isUnreadable(conv)) {
    out(`Conversation: ${conv ? `cannot be read (${conv.unreadable})` : 'none'}`);
  } else {
    const roles = conv.roles.map(([r, n]) => `${r} ${n}`);
    out(
      `Conversation: ${plural(conv.messages, 'message')}${roles.length ? ` (${roles.join(', ')})` : ''}${conv.malformed ? `, ${conv.malformed} unreadable lines` : ''}`,
    );
    if (conv.stoppedAt !== undefined) {
      out(
        `  too large: stopped at line ${conv.stoppedAt.toLocaleString('en-US')} (${tooManyLines()}); later lines not read`,
      );
    }
    let page = conv.page;
    let shown = 0;
    for (;;) {
      for (const m of page) {
        printMessage(out, m, full);
      }
      shown += page.length;
      const limit = conv.stoppedAt ?? conv.messages;
      if (!nextPage || page.length === 0 || shown >= limit) {
        break;
      }
      const more = await nextPage(page[page.length - 1].index + 1);
      if (isUnreadable(more)) {
        out(`  the rest cannot be read (${more.unreadable})`);
        break;
      }
      page = more.page;
    }
    if (!nextPage && conv.messages > conv.page.length) {
      out(`  … ${conv.messages - conv.page.length} more (--full lists them all)`);
    }
  }

  const calls = v.toolCalls;
  out('');
  if (!calls || isUnreadable(calls)) {
    out(`Tool calls: ${calls ? `the ledger cannot be read (${calls.unreadable})` : 'none recorded'}`);
  } else if (calls.kind === 'effects.merged.v1') {
    const mg = calls.merged;
    out(
      `Tool calls: a merge of two histories (${mg?.aEntries ?? '?'} and ${mg?.bEntries ?? '?'} entries; ${mg?.bIrreversibleCached ?? '?'} irreversible calls cached)`,
    );
    if (record?.record === 'not intact') {
      out(`  RECORD NOT INTACT: ${record.why ?? ''}`);
    } else if (record?.record === 'intact') {
      out("  record intact: both parents' ledgers check out");
    }
  } else {
    const state =
      calls.verdict === 'ok'
        ? `record intact (${calls.reason})`
        : calls.verdict === 'bad'
          ? `RECORD NOT INTACT at entry ${calls.entry}${calls.tool ? ` (${calls.tool})` : ''}: ${calls.reason}`
          : `not checked: ${calls.reason}`;
    out(`Tool calls: ${calls.entryLines}, ${state}`);
    for (const e of calls.entries) {
      const mark = e.sideEffectClass === 'irreversible' ? '!' : ' ';
      const chain = e.chain === 'bad' ? 'BAD' : e.chain;
      out(`  ${mark} [${e.index}] ${e.ts ?? '?'}  ${e.tool ?? '?'}  ${e.sideEffectClass ?? '?'}  ${chain}`);
    }
    if (calls.entryLines > calls.entries.length) {
      out(`  … ${calls.entryLines - calls.entries.length} more (--full lists them all)`);
    }
  }

  out('');
  const env = v.environment;
  if (env && 'count' in env) {
    out(
      `Environment: ${plural(env.count, 'variable')}, ${env.redacted} redacted, ${plural(env.secrets.length, 'secret')} in clear${env.cwd ? `; working folder ${env.cwd}` : ''}`,
    );
  } else {
    out(`Environment: ${describeOther(env)}`);
  }
  if (env && 'vars' in env) {
    for (const variable of env.vars) {
      const note = variable.secret
        ? '  (secret in clear: value not shown)'
        : variable.redacted
          ? '  (redacted by pf)'
          : '';
      out(`  ${variable.name}${note}`);
    }
    if (env.count > env.vars.length) {
      out(`  … ${plural(env.count - env.vars.length, 'more variable')}`);
    }
  }
  for (const s of v.secrets) {
    out(`  secret in clear: ${s.variable} in ${s.layer} (${s.why}); its value is not shown`);
  }

  const procs = v.processes;
  out(procs && 'fields' in procs ? `Processes: ${procs.kind}` : `Processes: ${describeOther(procs)}`);
  if (procs && 'fields' in procs) {
    for (const [k, value] of procs.fields) {
      out(`  ${k}: ${value}`);
    }
    if (procs.memberCount !== undefined) {
      out(`  CRIU archive: ${plural(procs.memberCount, 'file')}`);
      for (const mem of procs.members ?? []) {
        out(`    ${mem.name} (${formatBytes(mem.size)})`);
      }
    }
  }

  const base = v.modelBase;
  const diff = v.modelDiff;
  const baseText =
    base && 'layer' in base && !('tooLarge' in base)
      ? (base.name ?? `opaque, ${formatBytes(base.opaqueBytes ?? 0)}`)
      : describeOther(base);
  out(
    `Model: base ${baseText}; ${diff && 'parts' in diff ? `diff ${diff.kind}, ${plural(diff.parts.length, 'part')}${diff.note ? ` (${diff.note})` : ''}` : `diff ${describeOther(diff)}`}`,
  );
  if (diff && 'parts' in diff) {
    for (const p of diff.parts.slice(0, full ? undefined : 10)) {
      out(`  ${p.name}: ${p.numbers.toLocaleString('en-US')} numbers${p.detail ? `, ${p.detail}` : ''}`);
    }
  }
  const cache = v.cache;
  out(
    `KV cache: ${v.cacheLayout ?? '?'}, ${cache && 'pages' in cache ? `${plural(cache.pages, 'page')}${cache.note ? ` (${cache.note})` : ''}` : describeOther(cache)}`,
  );
  const files = v.files;
  if (files && 'files' in files) {
    out(
      `Files: ${plural(files.files, 'file')} (${formatBytes(files.bytes)}), ${plural(files.dirs, 'folder')}, ${plural(files.symlinks, 'symlink')}`,
    );
    for (const l of files.links.slice(0, full ? undefined : 10)) {
      out(`  link ${l.path} -> ${l.target}`);
    }
  } else {
    out(`Files: ${describeOther(files)}`);
  }
}

function describeOther(value: unknown): string {
  if (value === null || value === undefined) {
    return 'none';
  }
  if (isUnreadable(value)) {
    return `cannot be read (${value.unreadable})`;
  }
  if (typeof value === 'object' && 'notJson' in value) {
    return (value as { notJson: string }).notJson;
  }
  if (typeof value === 'object' && 'tooLarge' in value) {
    return `too large to summarise (${formatBytes((value as { tooLarge: number }).tooLarge)})`;
  }
  return 'unknown';
}
