// A snapshot's layer fields in their user's words, for the tree, compare and a damaged blob's report.

/** What each layer field is, for a person. */
export const LAYER_TITLES: Record<string, string> = {
  'trace.messages': 'Conversation',
  'effects.ledger': 'Tool calls',
  'world.env': 'Environment',
  'world.procs': 'Processes',
  'world.fs': 'Files',
  'model.base': 'Model base',
  'model.diff': 'Model',
  'cache.manifest': 'KV cache',
};

/** `trace.messages` → `Conversation (trace.messages)`; nested places (`world.fs entry src/app.py`) as they are. */
export function placeText(place: string): string {
  const title = LAYER_TITLES[place];
  return title ? `${title} (${place})` : place;
}
