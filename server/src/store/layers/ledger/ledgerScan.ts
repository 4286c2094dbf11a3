// The effects ledger read as pf writes it and checked as `pf verify` 1.0.15 decides, then more strictly: the
// HMAC chain of every entry (spec section 7), a header count that disagrees with the entry lines, the first bad
// entry by index and tool. Runs as a layer scan on a worker: one SHA-256 and one HMAC per line, memory flat in
// the ledger's length. The embedded secret is used, never returned.
import { registerLayerScan } from '../../workers/layerScans';
import { canonicalTimestamp } from './canonicalTime';
import { ChainHmac, sha256Hex } from './chainHmac';
import { LineReader, type LineEvent } from '../lineReader';
import { NEEDS_OPERATOR_SECRET } from '../../../../../shared/snapshots/snapshotView';
import type { LedgerEntryView, LedgerReport, MergedLedger } from '../../../../../shared/snapshots/snapshotView';
import { isSecretHex } from '../../../../../shared/snapshots/secretHex';
import { parseStoredJson } from '../../../../../shared/common/boundedJson';
import { MAX_SCAN_LINES, tooManyLines } from '../scanLimits';
import { plural } from '../../../../../shared/common/format';

export const LEDGER_SCAN = 'effects-ledger';

export interface LedgerScanParams {
  /** `--session-secret-hex`, else `PF_SESSION_SECRET`, else the editor's stored secret: wins over the embedded one. */
  operatorSecretHex?: string;
  /** Entries to describe (time, tool, class, verdict) for `show`; the chain is checked over all of them. */
  keepEntries?: number;
  /** Entries to pass over before the ones described (a page further down the list). */
  skipEntries?: number;
  /** Each described entry carries its `idempotency_key` too (the effects timeline tells calls apart by it). */
  keepKeys?: boolean;
  maxLineBytes?: number;
}

/** A key longer than this is no key pf writes: the entry is told apart by its position instead. */
const MAX_KEY_CHARS = 512;

const DEFAULT_MAX_LINE = 16 << 20;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

class LedgerCheck {
  private readonly report: LedgerReport = {
    kind: 'unknown',
    verdict: 'skipped',
    reason: '',
    entryLines: 0,
    viaOperatorSecret: false,
    embeddedSecret: false,
    generation: 'header-only',
    entries: [],
    classes: [],
  };
  /** Calls per side-effect class: keyed by stored strings, so a Map (`__proto__` is a class like any other). */
  private readonly classes = new Map<string, number>();
  private decided = false;
  private key: ChainHmac | undefined;
  private prev = '';
  private readonly lines: LineReader;
  private readonly keep: number;
  private headerSeen = false;
  private embeddedKey: ChainHmac | undefined;
  private embeddedPrev = '';
  private embeddedIntact = true;
  private operatorMismatch = false;
  private unchained = 0;
  private sdkShaped = 0;
  /** This line's `this_i`, when its bytes are already pf's canonical form (computed once, used by both chains). */
  private lineHash?: () => string;

  constructor(private readonly params: LedgerScanParams) {
    this.keep = params.keepEntries ?? 0;
    this.lines = new LineReader((e) => this.line(e), params.maxLineBytes ?? DEFAULT_MAX_LINE);
  }

  chunk(bytes: Buffer): void {
    this.lines.chunk(bytes);
  }

  finish(): LedgerReport {
    this.lines.finish();
    const r = this.report;
    r.classes = [...this.classes];
    if (!this.headerSeen) {
      return this.skip('the ledger is empty (no header line)');
    }
    if (r.kind !== 'effects.ledger.v1') {
      return r;
    }
    r.generation =
      r.entryLines === 0
        ? 'header-only'
        : this.sdkShaped > 0
          ? 'sdk'
          : this.unchained > 0
            ? 'unchained'
            : r.embeddedSecret && !this.params.operatorSecretHex
              ? 'chained-embedded'
              : 'chained-operator';
    if (this.decided) {
      // "Signed with the embedded secret instead" only when that chain held over every line, whole, and the
      // header agrees: a ledger cut short or with an unreadable line was edited, whatever secret signed it.
      const wholeUnderEmbedded =
        this.embeddedKey !== undefined &&
        this.embeddedIntact &&
        r.stoppedAt === undefined &&
        (r.headerEntries === undefined || r.headerEntries === r.entryLines);
      if (r.verdict === 'bad' && this.operatorMismatch && wholeUnderEmbedded) {
        r.badKind = 'other-secret';
        r.reason = `entry ${r.entry} does not match the operator's secret: the ledger was signed with its embedded secret instead (intact under that one, so not edited since; but anyone who can rewrite the blob can re-sign it with it)`;
      } else if (r.verdict === 'bad') {
        r.badKind = 'edited';
      }
      return r;
    }
    if (r.stoppedAt !== undefined) {
      r.notChecked = true;
      return this.skip(`too large to check: stopped at entry ${r.stoppedAt} (${tooManyLines()})`);
    }
    const count = r.headerEntries;
    const disagree = count !== undefined && count !== r.entryLines;
    if (count === 0 && r.entryLines > 0) {
      return this.bad(
        0,
        undefined,
        `the header says 0 entries, but ${r.entryLines} entry lines follow (pf passes this unread)`,
      );
    }
    if (count === 0) {
      return this.ok('no tool calls were recorded');
    }
    if (disagree) {
      const at = Math.min(count, r.entryLines);
      return this.bad(
        at,
        undefined,
        `the header says ${count} entries but ${plural(r.entryLines, 'entry line')} follow: entries were ${count > r.entryLines ? 'removed from the end' : 'added'} after signing`,
      );
    }
    if (!this.key) {
      return this.skip(
        this.unchained > 0 || this.sdkShaped > 0
          ? 'written before pf chained its ledgers (no signatures to check)'
          : `${NEEDS_OPERATOR_SECRET} (set PF_SESSION_SECRET or --session-secret-hex)`,
      );
    }
    r.viaOperatorSecret = this.params.operatorSecretHex !== undefined;
    return this.ok(`chain intact over ${r.entryLines} entr${r.entryLines === 1 ? 'y' : 'ies'}`);
  }

  private line(e: LineEvent): void {
    if (e.index === 0) {
      this.header(e);
      return;
    }
    const r = this.report;
    if (r.kind !== 'effects.ledger.v1') {
      return; // a merge record or an unknown kind: one object, nothing after it is read
    }
    if (r.stoppedAt !== undefined) {
      return;
    }
    if (r.entryLines >= MAX_SCAN_LINES) {
      r.stoppedAt = r.entryLines; // a bomb of blank lines: what follows is not read, and the verdict says so
      this.lines.stop();
      return;
    }
    const index = r.entryLines++;
    const checking = !this.decided && this.key !== undefined && r.headerEntries !== 0;
    if ('tooLong' in e) {
      this.embeddedIntact = false;
      if (checking) {
        this.bad(index, undefined, `entry ${index} is a line of ${e.tooLong} bytes, over the limit for one entry`);
      }
      this.describe(index, undefined, checking ? 'bad' : 'unchecked');
      return;
    }
    // pf's own lines are read from their bytes (no parse); anything else goes through the bounded parser.
    const fast = pfEntryLine(e.text);
    const parsed = fast ? undefined : parseStoredJson(e.text);
    const entry =
      fast?.entry ??
      (parsed?.ok && parsed.value !== null && typeof parsed.value === 'object' && !Array.isArray(parsed.value)
        ? (parsed.value as Record<string, unknown>)
        : undefined);
    this.lineHash = fast?.unsignedHash;
    if (entry) {
      if (typeof entry.side_effect_class === 'string') {
        this.classes.set(entry.side_effect_class, (this.classes.get(entry.side_effect_class) ?? 0) + 1);
      }
      if (entry.session_hmac === '') {
        this.unchained++;
      } else if (typeof entry.ts !== 'string' || typeof entry.session_hmac !== 'string') {
        this.sdkShaped++;
      }
    }
    const problem = !parsed || parsed.ok ? 'not a JSON object' : parsed.problem;
    const chain = checking ? (this.checkEntry(index, entry, problem) ? 'ok' : 'bad') : 'unchecked';
    this.followEmbedded(entry);
    this.describe(index, entry, chain);
  }

  private header(e: LineEvent): void {
    this.headerSeen = true;
    if ('tooLong' in e) {
      this.skip(`its first line (${e.tooLong} bytes) is too long to be a ledger header`);
      return;
    }
    const parsed = parseStoredJson(e.text);
    if (!parsed.ok || parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
      this.skip('its first line is not a JSON header');
      return;
    }
    const header = parsed.value as Record<string, unknown>;
    if (header.kind === 'effects.merged.v1') {
      this.report.kind = 'effects.merged.v1';
      this.report.merged = mergedOf(header);
      this.skip("a merge record: it names its parents' ledgers, which are checked with their own images");
      return;
    }
    if (header.kind !== 'effects.ledger.v1') {
      this.skip('not an effects ledger (its header names another kind)');
      return;
    }
    const r = this.report;
    r.kind = 'effects.ledger.v1';
    r.headerEntries = Number.isSafeInteger(header.entries) ? (header.entries as number) : undefined;
    const embedded = typeof header.session_secret_hex === 'string' ? header.session_secret_hex : undefined;
    r.embeddedSecret = embedded !== undefined;
    const secret = this.params.operatorSecretHex ?? embedded;
    if (secret !== undefined) {
      if (!isSecretHex(secret)) {
        this.skip(`its ${this.params.operatorSecretHex ? 'operator' : 'embedded'} secret is not hex`);
        return;
      }
      this.key = new ChainHmac(Buffer.from(secret, 'hex'));
    }
    if (this.params.operatorSecretHex !== undefined && embedded !== undefined && isSecretHex(embedded)) {
      this.embeddedKey = new ChainHmac(Buffer.from(embedded, 'hex'));
    }
  }

  /** Checks one entry against the chain; false (and the verdict made) at the first that fails. */
  private checkEntry(index: number, entry: Record<string, unknown> | undefined, problem: string): boolean {
    if (!entry) {
      this.bad(index, undefined, `entry ${index} is ${problem.startsWith('not') ? problem : `not valid: ${problem}`}`);
      return false;
    }
    const tool = typeof entry.tool_id === 'string' ? entry.tool_id : undefined;
    const ts = typeof entry.ts === 'string' ? canonicalTimestamp(entry.ts) : undefined;
    if (ts === undefined) {
      this.bad(index, tool, `entry ${index} has no RFC 3339 time, so it is not one pf signed`);
      return false;
    }
    const self = this.selfHash(entry, ts);
    const expected = this.key!.hex(this.prev + self);
    if (entry.session_hmac !== expected) {
      this.operatorMismatch = entry.session_hmac !== '';
      this.bad(
        index,
        tool,
        entry.session_hmac === ''
          ? `entry ${index} is not signed (a ledger written before pf chained them, checked with a secret)`
          : this.params.operatorSecretHex === undefined
            ? `entry ${index} does not match its signature under the ledger's own secret: it was edited after signing`
            : `entry ${index} does not match its signature: it was edited after signing, or signed with another secret`,
      );
      return false;
    }
    this.prev = self;
    return true;
  }

  /**
   * With an operator secret given and a secret embedded too, the embedded chain is followed beside it: a ledger
   * the operator's secret fails but its own secret holds together was signed with the embedded one (not edited
   * since; re-signable by anyone who can rewrite the blob), which is not what an edit after signing looks like.
   */
  private followEmbedded(entry: Record<string, unknown> | undefined): void {
    if (!this.embeddedKey || !this.embeddedIntact) {
      return;
    }
    const ts = typeof entry?.ts === 'string' ? canonicalTimestamp(entry.ts) : undefined;
    if (!entry || ts === undefined) {
      this.embeddedIntact = false;
      return;
    }
    const self = this.selfHash(entry, ts);
    if (entry.session_hmac !== this.embeddedKey.hex(this.embeddedPrev + self)) {
      this.embeddedIntact = false;
      return;
    }
    this.embeddedPrev = self;
  }

  /** `this_i`: from the line's own bytes when they are pf's canonical form, else by serialising the entry. */
  private selfHash(entry: Record<string, unknown>, ts: string): string {
    return this.lineHash && ts === entry.ts ? this.lineHash() : entryHash(entry, ts);
  }

  private describe(index: number, entry: Record<string, unknown> | undefined, chain: LedgerEntryView['chain']): void {
    const skip = this.params.skipEntries ?? 0;
    if (index < skip || index >= skip + this.keep) {
      return;
    }
    const view: LedgerEntryView = {
      index,
      ts: typeof entry?.ts === 'string' ? entry.ts : undefined,
      tool: typeof entry?.tool_id === 'string' ? entry.tool_id : undefined,
      sideEffectClass: typeof entry?.side_effect_class === 'string' ? entry.side_effect_class : undefined,
      chain,
    };
    const key = entry?.idempotency_key;
    if (this.params.keepKeys && typeof key === 'string' && key !== '' && key.length <= MAX_KEY_CHARS) {
      view.key = key;
    }
    this.report.entries.push(view);
  }

  private ok(reason: string): LedgerReport {
    Object.assign(this.report, { verdict: 'ok', reason });
    this.decided = true;
    return this.report;
  }

  private bad(entry: number, tool: string | undefined, reason: string): LedgerReport {
    Object.assign(this.report, { verdict: 'bad', reason, entry, tool, badKind: 'edited' });
    this.decided = true;
    return this.report;
  }

  private skip(reason: string): LedgerReport {
    Object.assign(this.report, { verdict: 'skipped', reason });
    this.decided = true;
    return this.report;
  }
}

/**
 * A line exactly as pf writes an entry: the seven fields in pf's order, compact, every string free of escapes and
 * control characters, `session_hmac` last. Such a line is its own canonical form: with `session_hmac` emptied
 * it is byte for byte what `entryHash` would serialise (when its `ts` is canonical too), so its hash is taken
 * from the bytes, once, and no object is parsed. Any other line (escapes, other order, more keys) is parsed.
 */
const PF_ENTRY =
  /^\{"ts":"([^"\\\x00-\x1f]*)","tool_id":"([^"\\\x00-\x1f]*)","args_hash":"([^"\\\x00-\x1f]*)","idempotency_key":"([^"\\\x00-\x1f]*)","result_hash":"([^"\\\x00-\x1f]*)","side_effect_class":"([^"\\\x00-\x1f]*)","session_hmac":"([0-9a-f]*)"\}$/;

function pfEntryLine(text: string): { entry: Record<string, unknown>; unsignedHash: () => string } | undefined {
  const m = PF_ENTRY.exec(text);
  if (!m) {
    return undefined;
  }
  const hmac = m[7];
  const unsigned = `${text.slice(0, text.length - hmac.length - 2)}"}`;
  let hash: string | undefined;
  return {
    entry: {
      ts: m[1],
      tool_id: m[2],
      args_hash: m[3],
      idempotency_key: m[4],
      result_hash: m[5],
      side_effect_class: m[6],
      session_hmac: hmac,
    },
    unsignedHash: () => (hash ??= sha256Hex(unsigned)),
  };
}

/** `this_i` of the chain: the SHA-256 of the entry's seven fields in pf's order, `session_hmac` empty. */
function entryHash(entry: Record<string, unknown>, ts: string): string {
  return sha256Hex(
    JSON.stringify({
      ts,
      tool_id: entry.tool_id,
      args_hash: entry.args_hash,
      idempotency_key: entry.idempotency_key,
      result_hash: entry.result_hash,
      side_effect_class: entry.side_effect_class,
      session_hmac: '',
    }),
  );
}

function mergedOf(header: Record<string, unknown>): MergedLedger {
  const digest = (v: unknown) => (typeof v === 'string' && DIGEST.test(v) ? v.slice(7) : undefined);
  const summary =
    header.summary !== null && typeof header.summary === 'object' ? (header.summary as Record<string, unknown>) : {};
  const count = (v: unknown) => (Number.isSafeInteger(v) ? (v as number) : undefined);
  return {
    parentA: digest(header.parent_a),
    parentB: digest(header.parent_b),
    ancestor: digest(header.ancestor),
    replayWithNewKey: Array.isArray(header.replay_with_new_key)
      ? header.replay_with_new_key.filter((c): c is string => typeof c === 'string')
      : [],
    aEntries: count(summary.a_entries),
    bEntries: count(summary.b_entries),
    bIrreversibleCached: count(summary.b_irreversible_cached),
  };
}

registerLayerScan(LEDGER_SCAN, (params) => new LedgerCheck((params ?? {}) as LedgerScanParams));
