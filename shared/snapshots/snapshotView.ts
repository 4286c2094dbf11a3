// What a snapshot holds, layer by layer, as the store reads it and the server answers it (processfork/snapshot,
// processfork/conversation, processfork/toolCalls): plain data in the user's terms. A secret's value never
// appears in any of these types; only its name and why it is taken for one.

/** The layers read as one JSON value (or a short text, model.base). */
/** How a skipped ledger's reason begins when only the operator's session secret would let it be checked. */
export const NEEDS_OPERATOR_SECRET = 'signed with an operator secret that was not given';

/** Whether a skipped verdict's reason is the missing operator secret (set it, and the ledger can be checked). */
export function needsOperatorSecret(reason: string): boolean {
  return reason.startsWith(NEEDS_OPERATOR_SECRET);
}

export type JsonLayer = 'env' | 'procs' | 'model-diff' | 'cache' | 'model-base' | 'fs' | 'fs-entries';

export interface EnvVar {
  name: string;
  /** Absent for a redacted variable and for a secret in clear (its value is never carried). */
  value?: string;
  redacted: boolean;
  secret?: string;
}

export interface EnvSummary {
  layer: 'env';
  kind: string;
  cwd?: string;
  count: number;
  redacted: number;
  secrets: SecretFinding[];
  vars: EnvVar[];
  /** Variables whose value could not be read (nested too deep): what they hold was not checked for secrets. */
  unreadableVars?: string[];
}

export interface ProcsSummary {
  layer: 'procs';
  kind: string;
  /** The fields of the shape, in words a person reads (no env values). */
  fields: Array<[string, string]>;
  secrets: SecretFinding[];
  /** procs.criu.v1 from the library: the blob holding the dump (part of the image's closure). */
  criuDump?: string;
  /** procs.criu.v1 from the CLI: the tar members after the header line. */
  members?: Array<{ name: string; size: number }>;
  memberCount?: number;
}

export interface ModelDiffSummary {
  layer: 'model-diff';
  layout: string;
  kind: string;
  note?: string;
  /** LoRA adapters, IA3 scalings, full params or TTT steps: what and how many numbers each holds. */
  parts: Array<{ name: string; numbers: number; detail?: string }>;
}

export interface CacheSummary {
  layer: 'cache';
  pages: number;
  note?: string;
}

export interface FsSummary {
  layer: 'fs';
  kind: string;
  files: number;
  dirs: number;
  symlinks: number;
  /** Bytes of regular files (a symlink's size is its target's length, not content). */
  bytes: number;
  /** Symlinks as links, never as files holding their target text. */
  links: Array<{ path: string; target: string }>;
}

/** A tree's entries for search: `[path, kind, blob hex or '']`, kind `file`, `dir`, `symlink` or `other`. */
export interface FsEntries {
  layer: 'fs-entries';
  entries: Array<[string, 'file' | 'dir' | 'symlink' | 'other', string]>;
  /** Entries past the bound, not listed. */
  more: number;
}

/** One effects-ledger entry as `show` lists it. */
export interface LedgerEntryView {
  index: number;
  ts?: string;
  tool?: string;
  sideEffectClass?: string;
  /** Checked and matched its signature; checked and did not (the first bad one); or not checked. */
  chain: 'ok' | 'bad' | 'unchecked';
  /** The call's `idempotency_key`, when asked for (`keepKeys`) and the entry has one. */
  key?: string;
}

export interface MergedLedger {
  parentA?: string;
  parentB?: string;
  ancestor?: string;
  replayWithNewKey: string[];
  aEntries?: number;
  bEntries?: number;
  bIrreversibleCached?: number;
}

export type LedgerVerdict = 'ok' | 'bad' | 'skipped';

export interface LedgerReport {
  kind: 'effects.ledger.v1' | 'effects.merged.v1' | 'unknown';
  verdict: LedgerVerdict;
  /** Why, in plain words. */
  reason: string;
  /** The first bad entry (from 0, the header not counted), when bad. */
  entry?: number;
  tool?: string;
  headerEntries?: number;
  entryLines: number;
  /** Ok, and checked with a secret that was not the embedded one. */
  viaOperatorSecret: boolean;
  /** The header carries its own secret (anyone who can rewrite the blob can re-sign it). */
  embeddedSecret: boolean;
  /** Which generation of pf's ledgers this looks like. */
  generation: 'header-only' | 'unchained' | 'sdk' | 'chained-embedded' | 'chained-operator';
  /** The first entries (as many as asked for). */
  entries: LedgerEntryView[];
  /** Entries per side-effect class, in the order first seen (pairs, never an object keyed by stored text). */
  classes: Array<[string, number]>;
  /**
   * What a bad verdict means: `edited` (forged, or edited after signing: no secret at hand holds the chain) or
   * `other-secret` (the operator's secret fails, but the ledger's own embedded secret holds the whole chain).
   */
  badKind?: 'edited' | 'other-secret';
  /** The scan stopped reading at this entry (a layer over the line limit): the rest was not checked. */
  stoppedAt?: number;
  /** The chain could not be checked whole (too large): not a verdict on the record, and not a pass either. */
  notChecked?: boolean;
  merged?: MergedLedger;
}

export interface TooLargeLayer {
  layer: JsonLayer;
  tooLarge: number;
}

export interface NotJsonLayer {
  layer: JsonLayer;
  notJson: string;
}

export interface ModelBaseSummary {
  layer: 'model-base';
  /** `base:<agent kind>` as pf's CLI and Python SDK write it. */
  name?: string;
  /** Anything else: opaque bytes (adapters may store weights here). */
  opaqueBytes?: number;
}

/** A layer that could not be read: missing from the store, corrupt, or unreadable. */
export interface UnreadableLayer {
  unreadable: string;
  missing: boolean;
}

export interface SecretFinding {
  /** The variable's name (safe to show). */
  name: string;
  /** Why it is taken for a credential: a name pf would have scrubbed, or the shape of its value. */
  why: string;
}

export interface TraceMessage {
  index: number;
  role: string;
  /** The content as text (a non-string content, such as an SDK's list of parts, as its JSON). */
  content: string;
  contentChars: number;
  /** Keys besides role and content, with their JSON (older and SDK-written traces carry them). */
  extra?: Record<string, string>;
  /** A line that is not a message object: why. */
  problem?: string;
}

export interface TraceReport {
  messages: number;
  /** Messages per role, in the order first seen (pairs: a role is stored text, `__proto__` included). */
  roles: Array<[string, number]>;
  /** The scan stopped reading at this line (over the line limit): later lines are neither counted nor shown. */
  stoppedAt?: number;
  page: TraceMessage[];
  /** Lines that are not message objects. */
  malformed: number;
  firstMalformed?: number;
  /**
   * Read from the trace's first bytes before the whole blob was hashed (a long trace's first paint): the page
   * is not yet checked and the counts are of those bytes only. The full answer follows and replaces it.
   */
  preview?: true;
}

export interface LedgerCheckResult {
  image: string;
  name?: string;
  verdict: LedgerVerdict;
  reason: string;
  /** The first bad entry, and its tool. */
  entry?: number;
  tool?: string;
  viaOperatorSecret: boolean;
  /** For a bad verdict: forged or edited, or signed with another secret (the embedded one). */
  badKind?: 'edited' | 'other-secret';
  /** The record could not be checked whole (too large to read): neither intact nor known to be edited. */
  notChecked?: boolean;
}

/** A layer (or one variable of it) that could not be read, so what verify looks for there was not looked at. */
export interface UncheckedLayer {
  image: string;
  name?: string;
  /** `world.env`, `world.procs` or `effects.ledger`. */
  layer: string;
  /** What could not be read and what that leaves unchecked, in words (never the layer's bytes). */
  why: string;
}

export interface SecretWarning {
  image: string;
  name?: string;
  /** `world.env` or `world.procs`. */
  layer: string;
  variable: string;
  why: string;
}

/** An image as a person names it: its digest and its snapshot name (`agent.fingerprint`), when it has one. */
export interface ImageRef {
  image: string;
  name: string | null;
  /** In the catalog; false for a parent pulled without its ancestors, or removed. */
  known: boolean;
}

/** One secret in clear: which layer, which variable, why (never the value). */
export interface SecretInLayer {
  layer: string;
  variable: string;
  why: string;
}

export interface SnapshotView {
  image: string;
  name: string | null;
  agent: { kind: string | null; version: string | null };
  createdAt: string | null;
  parents: ImageRef[];
  children: ImageRef[];
  /** Each layer field (`trace.messages`, `world.env`, …) and its blob's digest. */
  layers: Record<string, string | null>;
  conversation: TraceReport | UnreadableLayer | null;
  toolCalls: LedgerReport | UnreadableLayer | null;
  environment: EnvSummary | UnreadableLayer | NotJsonLayer | TooLargeLayer | null;
  processes: ProcsSummary | UnreadableLayer | NotJsonLayer | TooLargeLayer | null;
  modelBase: ModelBaseSummary | UnreadableLayer | TooLargeLayer | null;
  modelDiff: ModelDiffSummary | UnreadableLayer | NotJsonLayer | TooLargeLayer | null;
  cache: CacheSummary | UnreadableLayer | NotJsonLayer | TooLargeLayer | null;
  files: FsSummary | UnreadableLayer | NotJsonLayer | TooLargeLayer | null;
  cacheLayout: string | null;
  secrets: SecretInLayer[];
}

/** What changed in the agent's state from snapshot A to snapshot B, in the user's terms. */
export interface SnapshotDiff {
  /** The snapshot's name, agent kind or version, when it changed: [from, to]. */
  agent: Array<{ field: 'name' | 'kind' | 'version'; from: string | null; to: string | null }>;
  conversation: {
    from: number;
    to: number;
    /** Messages the two share from the start (same role and content). */
    commonPrefix: number;
    /** Messages of B after the common prefix. */
    added: number;
    /** Messages at the same place in both that differ (within the compared window). */
    changed: number;
    /** The first messages B added (role and the start of their content). */
    firstAdded: Array<{ index: number; role: string; content: string }>;
    /** True when a trace was longer than the window compared message by message. */
    partial: boolean;
  } | null;
  toolCalls: {
    from: number;
    to: number;
    /** Calls B recorded after A's (time, tool, class). */
    firstAdded: Array<{ index: number; ts?: string; tool?: string; sideEffectClass?: string }>;
  } | null;
}
