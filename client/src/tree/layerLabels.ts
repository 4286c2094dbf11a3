// A snapshot's layers in their user's words: "Conversation — 7 messages", "Tool calls — 6, chain intact",
// "Environment — 12 variables, 1 redacted, 2 secrets in clear". Field names and digests stay in tooltips.
import type { SnapshotView } from '../../../shared/snapshots/snapshotView';

export { LAYER_TITLES } from '../../../shared/snapshots/layerTitles';

const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

function unreadable(value: unknown): string | undefined {
  if (value && typeof value === 'object') {
    if ('unreadable' in value) {
      return (value as unknown as { missing: boolean }).missing ? 'missing' : 'cannot be read';
    }
    if ('notJson' in value) {
      return 'not JSON';
    }
    if ('tooLarge' in value) {
      return 'too large to summarise';
    }
  }
  return undefined;
}

/** The description of one layer row, from the snapshot's summary; undefined when there is nothing to say. */
export function layerAbout(field: string, view: SnapshotView): string | undefined {
  switch (field) {
    case 'trace.messages': {
      const c = view.conversation;
      return !c ? undefined : (unreadable(c) ?? ('messages' in c ? plural(c.messages, 'message') : undefined));
    }
    case 'effects.ledger': {
      const t = view.toolCalls;
      if (!t || unreadable(t) || !('verdict' in t)) {
        return t ? unreadable(t) : undefined;
      }
      if (t.kind === 'effects.merged.v1') {
        return `a merge of ${t.merged?.aEntries ?? '?'} + ${t.merged?.bEntries ?? '?'} calls`;
      }
      const state =
        t.verdict === 'ok'
          ? 'chain intact'
          : t.verdict === 'bad'
            ? `record not intact at entry ${t.entry ?? '?'}${t.tool ? ` (${t.tool})` : ''}`
            : 'not checked';
      return `${t.entryLines.toLocaleString('en-US')}, ${state}`;
    }
    case 'world.env': {
      const e = view.environment;
      if (!e || !('count' in e)) {
        return e ? unreadable(e) : undefined;
      }
      const secrets = e.secrets.length > 0 ? `, ${plural(e.secrets.length, 'secret')} in clear` : '';
      return `${plural(e.count, 'variable')}, ${e.redacted} redacted${secrets}`;
    }
    case 'world.procs': {
      const p = view.processes;
      if (!p || !('fields' in p)) {
        return p ? unreadable(p) : undefined;
      }
      const pid = p.fields.find(([k]) => k === 'pid')?.[1];
      const what =
        p.kind === 'procs.criu.v1'
          ? 'CRIU dump'
          : p.kind === 'procs.respawn.v1'
            ? 'respawn record'
            : p.kind === 'procs.unsupported.v1'
              ? 'not captured'
              : p.kind;
      return `${what}${pid ? `, pid ${pid}` : ''}${p.secrets.length ? `, ${plural(p.secrets.length, 'secret')} in clear` : ''}`;
    }
    case 'world.fs': {
      const f = view.files;
      if (!f || !('files' in f)) {
        return f ? unreadable(f) : undefined;
      }
      return `${f.files.toLocaleString('en-US')}${f.symlinks ? ` (${plural(f.symlinks, 'symlink')})` : ''}`;
    }
    case 'model.base': {
      const b = view.modelBase;
      return !b ? undefined : (unreadable(b) ?? ('name' in b && b.name ? b.name : 'opaque weights'));
    }
    case 'model.diff': {
      const d = view.modelDiff;
      if (!d || !('parts' in d)) {
        return d ? unreadable(d) : undefined;
      }
      const kind = d.kind === 'lora' ? 'LoRA' : d.kind === 'ia3' ? 'IA3' : d.kind;
      const unit = d.kind === 'lora' ? 'adapter' : d.kind === 'in-place-ttt' ? 'step' : 'part';
      return `${kind}, ${plural(d.parts.length, unit)}`;
    }
    case 'cache.manifest': {
      const c = view.cache;
      return !c ? undefined : (unreadable(c) ?? ('pages' in c ? plural(c.pages, 'page') : undefined));
    }
  }
  return undefined;
}
