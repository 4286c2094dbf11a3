// The conversation (`trace.messages`): JSON Lines of `{"role","content"}` (extra keys from older or SDK-written
// traces kept), read a line at a time on a worker. A trace of a million lines is counted whole and only the page
// asked for is kept, so the heap holds one page whatever the trace's length.
import type { TraceMessage, TraceReport } from '../../../../../shared/snapshots/snapshotView';
import { registerLayerScan } from '../../workers/layerScans';
import { LineReader } from '../lineReader';
import { kindOf, parseStoredJson, storedJsonText } from '../../../../../shared/common/boundedJson';
import { MAX_SCAN_LINES } from '../scanLimits';

export const TRACE_SCAN = 'trace';

export interface TraceScanParams {
  /** Messages to pass over, then to keep. */
  skip?: number;
  take?: number;
  /** Each kept message's content is cut to this many characters (its full length is reported). */
  maxContentChars?: number;
  /** Keep messages only until this many characters of content are kept: a page of whole messages, bounded. */
  maxPageChars?: number;
  /** Parse nothing past the page (a preview: messages beyond it are counted, their roles are not). */
  stopAfterPage?: boolean;
}

const MAX_LINE = 64 << 20;
/** Roles counted by name; past this many distinct ones (a trace of made-up roles) the rest count together. */
const MAX_ROLES = 64;
/** A role's name as counted and shown, at most this long (pf's are `system`, `user`, `assistant`, `tool`). */
const MAX_ROLE_CHARS = 64;
const OTHER_ROLES = '(other roles)';
/**
 * A line exactly as pf writes a message since 1.0.4: `{"role":…,"content":…}`, two string fields, compact. The
 * content is matched as JSON's string grammar, unrolled (each repeat consumes an escape), so a line that is not
 * one fails in time linear in its length; such a line, or any other shape, is parsed.
 */
const PF_MESSAGE =
  /^\{"role":"([^"\\\x00-\x1f]*)","content":"[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*"\}$/;

class TraceScan {
  private readonly report: TraceReport = { messages: 0, roles: [], page: [], malformed: 0 };
  /** Keyed by stored text: a Map, so `constructor` and `__proto__` are roles like any other. */
  private readonly roles = new Map<string, number>();
  private readonly lines: LineReader;
  private readonly skip: number;
  private readonly take: number;
  private readonly maxChars: number;
  private readonly maxPageChars: number;
  private keptChars = 0;

  constructor(params: TraceScanParams) {
    this.skip = params.skip ?? 0;
    this.take = params.take ?? 100;
    this.maxChars = params.maxContentChars ?? 4000;
    this.maxPageChars = params.maxPageChars ?? Number.MAX_SAFE_INTEGER;
    this.lines = new LineReader((e) => {
      if (this.report.messages >= MAX_SCAN_LINES) {
        this.report.stoppedAt = this.report.messages; // a bomb of blank lines: the rest is not read
        this.lines.stop();
        return;
      }
      const index = this.report.messages++;
      const keep = index >= this.skip && index < this.skip + this.take && this.keptChars < this.maxPageChars;
      if (!keep && params.stopAfterPage && index >= this.skip) {
        return;
      }
      if ('tooLong' in e) {
        this.malformed(index, keep, `a line of ${e.tooLong} bytes, too long to read as one message`);
        return;
      }
      this.message(index, e.text, keep);
    }, MAX_LINE);
  }

  chunk(bytes: Buffer): void {
    this.lines.chunk(bytes);
  }

  finish(): TraceReport {
    this.lines.finish();
    this.report.roles = [...this.roles];
    return this.report;
  }

  private message(index: number, text: string, keep: boolean): void {
    // A message past the page, in pf's own form, is validated and counted from its bytes: no object is built.
    const plain = keep ? null : PF_MESSAGE.exec(text);
    if (plain) {
      this.countRole(plain[1]);
      return;
    }
    const parsed = parseStoredJson(text);
    if (!parsed.ok) {
      this.malformed(index, keep, parsed.problem);
      return;
    }
    const value = parsed.value;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.malformed(index, keep, 'not a message object');
      return;
    }
    const { role, content, ...rest } = value as Record<string, unknown>;
    // Depth was checked whole above, so the stringifies below cannot recurse past it.
    const roleText = typeof role === 'string' ? role : role === undefined ? '(no role)' : `(${kindOf(role)})`;
    const counted = this.countRole(roleText);
    if (!keep) {
      return;
    }
    const full = typeof content === 'string' ? content : content === undefined ? '' : JSON.stringify(content);
    const extraKeys = Object.keys(rest);
    this.keptChars += Math.min(full.length, this.maxChars);
    this.report.page.push({
      index,
      role: counted,
      content: full.length > this.maxChars ? full.slice(0, this.maxChars) : full,
      contentChars: full.length,
      extra:
        extraKeys.length > 0
          ? Object.fromEntries(extraKeys.map((k) => [k, (storedJsonText(rest[k]) ?? '').slice(0, 200)]))
          : undefined,
    });
  }

  /** Counts one message of `role` and answers the role as counted (cut, or among the other roles). */
  private countRole(role: string): string {
    const counted = role.length > MAX_ROLE_CHARS ? `${role.slice(0, MAX_ROLE_CHARS)}…` : role;
    const key = this.roles.has(counted) || this.roles.size < MAX_ROLES ? counted : OTHER_ROLES;
    this.roles.set(key, (this.roles.get(key) ?? 0) + 1);
    return counted;
  }

  private malformed(index: number, keep: boolean, problem: string): void {
    this.report.malformed++;
    this.report.firstMalformed ??= index;
    if (keep) {
      this.report.page.push({ index, role: '', content: '', contentChars: 0, problem });
    }
  }
}

/**
 * The page read from the trace's first bytes (`head`, cut at its last line feed), before the whole blob is
 * hashed: what a view paints first for a trace of a million lines. Marked `preview`: its bytes are not yet
 * checked and its counts are of those bytes only; the full scan's answer replaces it.
 */
export function previewTrace(head: Buffer, params: TraceScanParams): TraceReport {
  const scan = new TraceScan({ ...params, stopAfterPage: true });
  scan.chunk(head.subarray(0, head.lastIndexOf(10) + 1));
  return { ...scan.finish(), preview: true };
}

registerLayerScan(TRACE_SCAN, (params) => new TraceScan((params ?? {}) as TraceScanParams));

export type { TraceMessage, TraceReport };
