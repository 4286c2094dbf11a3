// The one message protocol between the snapshot page (client/pages/snapshot, in the webview) and its host
// (client/src/snapshotView). Both sides import these types; the host checks every message from the page with
// `checkedPageMessage` before it acts, since a page is a browser context and its messages are input.
import type { SnapshotView, TraceMessage } from './snapshotView';

/** What the page shows: the snapshot and the conversation's messages loaded so far. */
export interface SnapshotPageState {
  snapshot: SnapshotView;
  messages: TraceMessage[];
}

/** Host to page: a state to render, or a request for the text as it reads (tests). */
export type HostToPage =
  | { type: 'view'; state: SnapshotPageState }
  /** Bring one tool call (its entry in the ledger, from 0) into view and mark it: a deep link. */
  | { type: 'focus'; toolCall: number }
  | { type: 'dump' };

/** Layers whose raw blob the page may ask to open on purpose (the one place a secret's value shows). */
export type RevealableLayer = 'world.env' | 'world.procs';

/** Page to host: each a user's action or a step of the handshake. */
export type PageToHost =
  | { type: 'ready' }
  | { type: 'painted' }
  | { type: 'openBlob'; digest: string; title?: string }
  | { type: 'openSnapshot'; image: string }
  | { type: 'moreMessages'; offset: number }
  | { type: 'reveal'; layer: RevealableLayer }
  | { type: 'openFiles' }
  | { type: 'setSessionSecret' }
  | { type: 'dumped'; text: string };

const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** A tab title is a label only (cut again where it is used); a dump is test text, bounded. */
const MAX_TITLE = 200;
const MAX_DUMP = 1 << 20;

/** A message from the page as the host may act on it, or undefined for anything malformed. */
export function checkedPageMessage(raw: unknown): PageToHost | undefined {
  if (raw === null || typeof raw !== 'object') {
    return undefined;
  }
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'painted':
    case 'openFiles':
    case 'setSessionSecret':
      return { type: m.type };
    case 'openBlob':
      if (typeof m.digest !== 'string' || !DIGEST.test(m.digest)) {
        return undefined;
      }
      return typeof m.title === 'string' && m.title.length <= MAX_TITLE
        ? { type: 'openBlob', digest: m.digest, title: m.title }
        : { type: 'openBlob', digest: m.digest };
    case 'openSnapshot':
      return typeof m.image === 'string' && DIGEST.test(m.image) ? { type: 'openSnapshot', image: m.image } : undefined;
    case 'moreMessages':
      return Number.isSafeInteger(m.offset) && (m.offset as number) >= 0
        ? { type: 'moreMessages', offset: m.offset as number }
        : undefined;
    case 'reveal':
      return m.layer === 'world.env' || m.layer === 'world.procs' ? { type: 'reveal', layer: m.layer } : undefined;
    case 'dumped':
      return typeof m.text === 'string' ? { type: 'dumped', text: m.text.slice(0, MAX_DUMP) } : undefined;
  }
  return undefined;
}
