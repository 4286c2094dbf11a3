// The one message protocol between the snapshot page (client/pages/snapshot, in the webview) and its host
// (client/src/snapshotView). Both sides import these types; the host checks every message from the page with
// `checkedPageMessage` before it acts, since a page is a browser context and its messages are input.
import type { SnapshotView, TraceMessage } from './snapshotView';
import { dumpedText, isDigest, isWhole, messageFields } from '../common/pageProtocol';

/** What the page shows: the snapshot and the conversation's messages loaded so far. */
export interface SnapshotPageState {
  snapshot: SnapshotView;
  messages: TraceMessage[];
}

/** Host to page: a state to render, or a request for the text as it reads (tests). */
export type HostToPage =
  | { type: 'view'; state: SnapshotPageState }
  /**
   * A deep link: bring one tool call (its entry in the ledger, from 0) or one message (its position in the
   * trace, from 0) into view and mark it, with `highlight` marked inside the message when given.
   */
  | { type: 'focus'; toolCall?: number; message?: number; highlight?: string }
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

/** A tab title is a label only (cut again where it is used). */
const MAX_TITLE = 200;

/** A message from the page as the host may act on it, or undefined for anything malformed. */
export function checkedPageMessage(raw: unknown): PageToHost | undefined {
  const m = messageFields(raw);
  switch (m?.type) {
    case 'ready':
    case 'painted':
    case 'openFiles':
    case 'setSessionSecret':
      return { type: m.type };
    case 'openBlob':
      if (!isDigest(m.digest)) {
        return undefined;
      }
      return typeof m.title === 'string' && m.title.length <= MAX_TITLE
        ? { type: 'openBlob', digest: m.digest, title: m.title }
        : { type: 'openBlob', digest: m.digest };
    case 'openSnapshot':
      return isDigest(m.image) ? { type: 'openSnapshot', image: m.image } : undefined;
    case 'moreMessages':
      return isWhole(m.offset) ? { type: 'moreMessages', offset: m.offset } : undefined;
    case 'reveal':
      return m.layer === 'world.env' || m.layer === 'world.procs' ? { type: 'reveal', layer: m.layer } : undefined;
    case 'dumped': {
      const text = dumpedText(m.text);
      return text === undefined ? undefined : { type: 'dumped', text };
    }
  }
  return undefined;
}
