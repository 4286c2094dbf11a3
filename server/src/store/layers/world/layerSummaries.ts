// What each JSON layer holds, summarised from its parsed value as pf writes it (spec section 7): the env's
// variables with redactions and secrets in clear, the four procs shapes, the model diff, the cache page list.
// Values of secrets never enter a summary; unknown kinds are named, never thrown.
import type {
  EnvVar,
  EnvSummary,
  ProcsSummary,
  ModelDiffSummary,
  CacheSummary,
  FsSummary,
  FsEntries,
} from '../../../../../shared/snapshots/snapshotView';
import { REDACTED, secretIn, type SecretFinding } from './secrets';
import { MAX_JSON_DEPTH, nestedAtLeast, storedJsonText } from '../../../../../shared/common/boundedJson';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const int = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);

/** Variables listed per layer at most; the counts cover all of them. */
export const MAX_LISTED = 10_000;

export function envSummary(value: unknown): EnvSummary {
  const o = isObject(value) ? value : {};
  const vars = isObject(o.vars) ? o.vars : {};
  const summary: EnvSummary = {
    layer: 'env',
    kind: str(o.kind) ?? 'unknown',
    cwd: str(o.cwd),
    count: 0,
    redacted: 0,
    secrets: [],
    vars: [],
  };
  for (const [name, raw] of Object.entries(vars)) {
    summary.count++;
    // A value two levels down (the layer, then `vars`): as deep as serde reads, counted from the layer's root.
    if (nestedAtLeast(raw, MAX_JSON_DEPTH - 2)) {
      (summary.unreadableVars ??= []).push(name);
      continue; // this one variable is not read; its neighbours still are
    }
    const text = typeof raw === 'string' ? raw : JSON.stringify(raw);
    const redacted = text === REDACTED;
    const finding = secretIn(name, text);
    if (redacted) {
      summary.redacted++;
    }
    if (finding) {
      summary.secrets.push(finding);
    }
    if (summary.vars.length < MAX_LISTED) {
      summary.vars.push({ name, value: redacted || finding ? undefined : text, redacted, secret: finding?.why });
    }
  }
  return summary;
}

export function procsSummary(value: unknown): ProcsSummary {
  const o = isObject(value) ? value : {};
  const kind = str(o.kind) ?? 'unknown';
  const fields: Array<[string, string]> = [];
  const add = (label: string, v: unknown) => {
    if (v !== undefined && v !== null && v !== '') {
      fields.push([label, typeof v === 'string' ? v : (storedJsonText(v) ?? '(nested too deep to show)')]);
    }
  };
  const secrets: SecretFinding[] = [];
  let criuDump: string | undefined;
  if (kind === 'procs.unsupported.v1') {
    add('unsupported on', o.unsupported_on);
    add('note', o.note);
  } else if (kind === 'procs.respawn.v1') {
    add('pid', o.pid);
    add('parent pid', o.parent_pid);
    add('program', o.exe);
    add('arguments', Array.isArray(o.argv) ? o.argv.length : undefined);
    add('working folder', o.cwd);
    const env = Array.isArray(o.env) ? o.env.filter((e): e is string => typeof e === 'string') : [];
    add('environment variables', env.length);
    for (const pair of env) {
      const eq = pair.indexOf('=');
      const finding = secretIn(eq < 0 ? pair : pair.slice(0, eq), eq < 0 ? '' : pair.slice(eq + 1));
      if (finding) {
        secrets.push(finding);
      }
    }
    add('open files', Array.isArray(o.fd_paths) ? o.fd_paths.length : undefined);
    add('captured on', [str(o.captured_on), str(o.captured_arch)].filter(Boolean).join(' ') || undefined);
    add('captured at', o.captured_at);
    add('note', o.note);
  } else if (kind === 'procs.criu.v1') {
    const dump = str(o.criu_dump);
    criuDump = dump && /^sha256:[0-9a-f]{64}$/.test(dump) ? dump.slice(7) : undefined;
    add('pid', o.pid);
    add('pids', Array.isArray(o.pids) ? o.pids.filter((p) => typeof p === 'number').join(', ') : undefined);
    add('CRIU version', o.criu_version);
    add('kernel', o.kernel);
    add('machine', o.machine);
    add('left running', o.leave_running);
    add('TCP connections kept', o.tcp_established);
    add('captured at', o.captured_at);
    add('dump', dump);
  }
  return { layer: 'procs', kind, fields, secrets, criuDump };
}

const numbersIn = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

export function modelDiffSummary(value: unknown): ModelDiffSummary {
  const o = isObject(value) ? value : {};
  const diff = isObject(o.diff) ? o.diff : {};
  const kind = str(diff.kind) ?? 'unknown';
  const parts: ModelDiffSummary['parts'] = [];
  if (kind === 'lora' && Array.isArray(diff.adapters)) {
    for (const a of diff.adapters.filter(isObject).slice(0, MAX_LISTED)) {
      parts.push({
        name: `${str(a.layer_id) ?? int(a.layer_id) ?? '?'}.${str(a.matrix) ?? '?'}`,
        numbers: numbersIn(a.a) + numbersIn(a.b),
        detail: `rank ${int(a.rank) ?? '?'}, ${int(a.in_dim) ?? '?'}→${int(a.out_dim) ?? '?'}`,
      });
    }
  } else if (kind === 'ia3' && isObject(diff.scaling)) {
    for (const [layer, matrices] of Object.entries(diff.scaling).slice(0, MAX_LISTED)) {
      for (const [matrix, values] of Object.entries(isObject(matrices) ? matrices : {})) {
        parts.push({ name: `${layer}.${matrix}`, numbers: numbersIn(values) });
      }
    }
  } else if (kind === 'full' && isObject(diff.params)) {
    for (const [name, values] of Object.entries(diff.params).slice(0, MAX_LISTED)) {
      parts.push({ name, numbers: numbersIn(values) });
    }
  } else if (kind === 'in-place-ttt' && Array.isArray(diff.steps)) {
    for (const step of diff.steps.filter(isObject).slice(0, MAX_LISTED)) {
      parts.push({
        name: `step ${str(step.step_id) ?? int(step.step_id) ?? '?'}`,
        numbers: isObject(step.deltas) ? Object.keys(step.deltas).length : numbersIn(step.deltas),
      });
    }
  }
  return { layer: 'model-diff', layout: str(o.layout) ?? 'unknown', kind, note: str(diff.note) ?? str(o.note), parts };
}

export function cacheSummary(value: unknown): CacheSummary {
  const o = isObject(value) ? value : {};
  return { layer: 'cache', pages: Array.isArray(o.pages) ? o.pages.length : 0, note: str(o.note) };
}

export function fsSummary(value: unknown): FsSummary {
  const o = isObject(value) ? value : {};
  const summary: FsSummary = {
    layer: 'fs',
    kind: str(o.kind) ?? 'unknown',
    files: 0,
    dirs: 0,
    symlinks: 0,
    bytes: 0,
    links: [],
  };
  for (const e of Array.isArray(o.entries) ? o.entries.filter(isObject) : []) {
    // Older trees have no `kind`: an entry with a blob is a file, one without a directory.
    const kind = str(e.kind) ?? (e.blob ? 'file' : 'dir');
    if (kind === 'symlink') {
      summary.symlinks++;
      if (summary.links.length < MAX_LISTED) {
        summary.links.push({ path: str(e.path) ?? '?', target: str(e.link_target) ?? '?' });
      }
    } else if (kind === 'dir') {
      summary.dirs++;
    } else {
      summary.files++;
      summary.bytes += int(e.size) ?? 0;
    }
  }
  return summary;
}

/** Entries of a tree kept at most: pf's trees hold thousands; a hostile one costs only itself past this. */
export const MAX_TREE_ENTRIES = 1 << 20;

/** Every entry of an fs.tree.v1 as `[path, kind, blob hex or '']`, for search: paths and the files behind them. */
export function fsEntries(value: unknown): FsEntries {
  const o = isObject(value) ? value : {};
  const out: FsEntries = { layer: 'fs-entries', entries: [], more: 0 };
  for (const e of Array.isArray(o.entries) ? o.entries : []) {
    if (!isObject(e) || typeof e.path !== 'string') {
      continue;
    }
    if (out.entries.length >= MAX_TREE_ENTRIES) {
      out.more++;
      continue;
    }
    const kind = str(e.kind) ?? (e.blob ? 'file' : 'dir');
    const blob = /^sha256:[0-9a-f]{64}$/.exec(str(e.blob) ?? '') ? (e.blob as string).slice(7) : '';
    out.entries.push([e.path, kind === 'file' || kind === 'dir' || kind === 'symlink' ? kind : 'other', blob]);
  }
  return out;
}

export type { EnvVar, EnvSummary, ProcsSummary, ModelDiffSummary, CacheSummary, FsSummary };
