// The message protocol between the effects page (client/pages/effects, in the webview) and its host
// (client/src/effectsView). Both sides import these types; the host checks every message from the page with
// `checkedEffectsMessage` before it acts.
import type { EffectsResult } from '../protocol/effects';

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

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const MAX_KEY = 512;
const MAX_DUMP = 1 << 20;
const whole = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/** A message from the page as the host may act on it, or undefined for anything malformed. */
export function checkedEffectsMessage(raw: unknown): EffectsPageToHost | undefined {
  if (raw === null || typeof raw !== 'object') {
    return undefined;
  }
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
    case 'painted':
      return { type: m.type };
    case 'selected':
      return typeof m.key === 'string' && m.key.length <= MAX_KEY ? { type: 'selected', key: m.key } : undefined;
    case 'openSnapshot':
      if (typeof m.image !== 'string' || !DIGEST.test(m.image)) {
        return undefined;
      }
      return whole(m.entry)
        ? { type: 'openSnapshot', image: m.image, entry: m.entry }
        : { type: 'openSnapshot', image: m.image };
    case 'moreCalls':
      return whole(m.offset) ? { type: 'moreCalls', offset: m.offset } : undefined;
    case 'dumped':
      return typeof m.text === 'string' ? { type: 'dumped', text: m.text.slice(0, MAX_DUMP) } : undefined;
  }
  return undefined;
}
