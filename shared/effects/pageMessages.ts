// The message protocol between the effects page (client/pages/effects, in the webview) and its host
// (client/src/effectsView). Both sides import these types; the host checks every message from the page with
// `checkedEffectsMessage` before it acts.
import type { EffectsResult } from '../protocol/effects';
import { dumpedText, isDigest, isWhole, messageFields } from '../common/pageProtocol';

/** What the page shows: the lineage, the calls loaded so far, and the call chosen (by key), if any. */
export interface EffectsPageState {
  result: EffectsResult;
  selected?: string;
}

/** Host to page: a state to render; a call to choose as a person would (tests); the text as it reads (tests). */
export type HostToEffectsPage =
  { type: 'timeline'; state: EffectsPageState } | { type: 'select'; key: string } | { type: 'dump' };

/** Page to host: the handshake, a snapshot to open (at a ledger entry), more calls, the text asked for. */
export type EffectsPageToHost =
  | { type: 'ready' }
  | { type: 'painted' }
  | { type: 'selected'; key: string }
  | { type: 'openSnapshot'; image: string; entry?: number }
  | { type: 'moreCalls'; offset: number }
  | { type: 'dumped'; text: string };

const MAX_KEY = 512;

/** A message from the page as the host may act on it, or undefined for anything malformed. */
export function checkedEffectsMessage(raw: unknown): EffectsPageToHost | undefined {
  const m = messageFields(raw);
  switch (m?.type) {
    case 'ready':
    case 'painted':
      return { type: m.type };
    case 'selected':
      return typeof m.key === 'string' && m.key.length <= MAX_KEY ? { type: 'selected', key: m.key } : undefined;
    case 'openSnapshot':
      if (!isDigest(m.image)) {
        return undefined;
      }
      return isWhole(m.entry)
        ? { type: 'openSnapshot', image: m.image, entry: m.entry }
        : { type: 'openSnapshot', image: m.image };
    case 'moreCalls':
      return isWhole(m.offset) ? { type: 'moreCalls', offset: m.offset } : undefined;
    case 'dumped': {
      const text = dumpedText(m.text);
      return text === undefined ? undefined : { type: 'dumped', text };
    }
  }
  return undefined;
}
