// The `.pfimg` manifest (schema v1): parsed without ever throwing, every deviation from the pf-core schema
// reported with the JSON path where it stands. Both the snake_case the code writes and the camelCase of the
// prose docs are read; nothing here re-serializes a manifest (that would change its content id).
import { DigestError, parseDigest } from '../../../../shared/blobs/digest';
import { JsonTextError, parseJsonText } from './jsonText';
import { kindOf } from '../../../../shared/common/boundedJson';
import { quoteShort } from '../../../../shared/common/format';

export const IMAGE_MEDIA_TYPE = 'application/vnd.processfork.image.v1+json';

export interface ImageManifest {
  schemaVersion: number;
  mediaType: string;
  agent: { kind?: string; version?: string; fingerprint?: string };
  model: { base?: string; diff?: string };
  cache: { layout?: string; manifest?: string };
  world: { fs?: string; env?: string; procs?: string };
  effects: { ledger?: string };
  trace: { messages?: string };
  createdAt?: string;
  /** Hex digests of parent images (0, 1 or 2). */
  parents: string[];
}

export interface ManifestProblem {
  path: string;
  message: string;
  severity: 'error' | 'warning';
  /** Where in the text, when the problem is the JSON itself (a syntax error has no field path). */
  offset?: number;
}

type Json = Record<string, unknown>;

/** Field names on the wire (snake_case) with their camelCase twins from the prose docs. */
const TOP_FIELDS: Array<[string, string]> = [
  ['schema_version', 'schemaVersion'],
  ['media_type', 'mediaType'],
  ['agent', 'agent'],
  ['model', 'model'],
  ['cache', 'cache'],
  ['world', 'world'],
  ['effects', 'effects'],
  ['trace', 'trace'],
  ['created_at', 'createdAt'],
  ['parents', 'parents'],
];

/** The eight content digests: [object, field]. */
export const LAYER_FIELDS: Array<[string, string]> = [
  ['model', 'base'],
  ['model', 'diff'],
  ['cache', 'manifest'],
  ['world', 'fs'],
  ['world', 'env'],
  ['world', 'procs'],
  ['effects', 'ledger'],
  ['trace', 'messages'],
];

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseManifest(text: string): { manifest?: ImageManifest; problems: ManifestProblem[] } {
  const problems: ManifestProblem[] = [];
  const error = (path: string, message: string) => problems.push({ path, message, severity: 'error' });
  const warn = (path: string, message: string) => problems.push({ path, message, severity: 'warning' });
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (err) {
    problems.push({
      path: '',
      message: (err as Error).message,
      severity: 'error',
      offset: err instanceof JsonTextError ? err.offset : undefined,
    });
    return { problems };
  }
  if (!isObject(raw)) {
    error('', 'a manifest is a JSON object');
    return { problems };
  }
  const field = (snake: string, camel: string): [string, unknown] | undefined => {
    if (snake in raw) {
      return [snake, raw[snake]];
    }
    if (camel in raw) {
      return [camel, raw[camel]];
    }
    return undefined;
  };
  const known = new Set(TOP_FIELDS.flat());
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) {
      warn(key, `unknown field "${key}" (pf-core ignores it, but it changes the content id)`);
    }
  }

  const version = field('schema_version', 'schemaVersion');
  if (!version) {
    error('schema_version', 'missing field schema_version');
  } else if (version[1] !== 1) {
    error(version[0], `schema_version must be 1, found ${kindOf(version[1])}`);
  }
  const media = field('media_type', 'mediaType');
  if (!media) {
    error('media_type', 'missing field media_type');
  } else if (media[1] !== IMAGE_MEDIA_TYPE) {
    error(media[0], `media_type must be "${IMAGE_MEDIA_TYPE}", found ${kindOf(media[1])}`);
  }

  const digestAt = (path: string, value: unknown): string | undefined => {
    if (typeof value !== 'string') {
      error(path, `expected a digest string, found ${value === null ? 'null' : typeof value}`);
      return undefined;
    }
    try {
      return parseDigest(value);
    } catch (err) {
      if (err instanceof DigestError) {
        error(path, `malformed digest: ${err.message}`);
      }
      return undefined;
    }
  };
  const objectAt = (name: string): Json => {
    const v = raw[name];
    if (v === undefined) {
      error(name, `missing field ${name}`);
      return {};
    }
    if (!isObject(v)) {
      error(name, `${name} must be an object`);
      return {};
    }
    return v;
  };
  const stringAt = (obj: Json, objName: string, name: string): string | undefined => {
    const v = obj[name];
    if (v === undefined) {
      error(`${objName}.${name}`, `missing field ${objName}.${name}`);
    } else if (typeof v !== 'string') {
      error(`${objName}.${name}`, `${objName}.${name} must be a string`);
    } else {
      return v;
    }
    return undefined;
  };

  const agentObj = objectAt('agent');
  const agent = {
    kind: stringAt(agentObj, 'agent', 'kind'),
    version: stringAt(agentObj, 'agent', 'version'),
    fingerprint: stringAt(agentObj, 'agent', 'fingerprint'),
  };
  const sections: Record<string, Json> = {};
  for (const name of ['model', 'cache', 'world', 'effects', 'trace']) {
    sections[name] = objectAt(name);
  }
  const layer: Record<string, Record<string, string | undefined>> = {
    model: {},
    cache: {},
    world: {},
    effects: {},
    trace: {},
  };
  for (const [obj, name] of LAYER_FIELDS) {
    const v = sections[obj][name];
    if (v === undefined) {
      if (Object.keys(sections[obj]).length > 0 || obj in raw) {
        error(`${obj}.${name}`, `missing field ${obj}.${name}`);
      }
      continue;
    }
    layer[obj][name] = digestAt(`${obj}.${name}`, v);
  }
  const layout = sections.cache.layout;
  if (layout !== undefined && typeof layout !== 'string') {
    error('cache.layout', 'cache.layout must be a string');
  }

  const created = field('created_at', 'createdAt');
  let createdAt: string | undefined;
  if (!created) {
    error('created_at', 'missing field created_at');
  } else if (typeof created[1] !== 'string' || !RFC3339.test(created[1]) || Number.isNaN(Date.parse(created[1]))) {
    error(created[0], `created_at must be an RFC 3339 timestamp, found ${kindOf(created[1])}`);
  } else {
    createdAt = created[1];
  }

  const parents: string[] = [];
  const rawParents = raw.parents;
  if (rawParents !== undefined) {
    if (!Array.isArray(rawParents)) {
      error('parents', 'parents must be an array of digests');
    } else {
      if (rawParents.length > 2) {
        error('parents', `an image has at most two parents (two is a merge), found ${rawParents.length}`);
      }
      rawParents.forEach((p, i) => {
        const hex = digestAt(`parents[${i}]`, p);
        if (hex) {
          parents.push(hex);
        }
      });
    }
  }

  const manifest: ImageManifest = {
    schemaVersion: typeof version?.[1] === 'number' ? version[1] : 0,
    mediaType: typeof media?.[1] === 'string' ? media[1] : '',
    agent,
    model: layer.model,
    cache: { layout: typeof layout === 'string' ? layout : undefined, manifest: layer.cache.manifest },
    world: layer.world,
    effects: layer.effects,
    trace: layer.trace,
    createdAt,
    parents,
  };
  return { manifest, problems };
}

export interface ManifestReference {
  layer: string;
  hex: string;
  kind: 'blob' | 'image';
}

/** The eight content digests and the parents, in manifest order; fields that failed to parse are left out. */
export function manifestReferences(m: ImageManifest): ManifestReference[] {
  const refs: ManifestReference[] = [];
  for (const [obj, name] of LAYER_FIELDS) {
    const hex = (m as unknown as Record<string, Record<string, string | undefined>>)[obj]?.[name];
    if (hex) {
      refs.push({ layer: `${obj}.${name}`, hex, kind: 'blob' });
    }
  }
  m.parents.forEach((hex, i) => refs.push({ layer: `parents[${i}]`, hex, kind: 'image' }));
  return refs;
}

export interface NestedReference {
  layer: string;
  hex: string;
  /** For fs trees: the entry's path, as data only (never joined onto a real path). */
  path?: string;
}

/**
 * Why a nested manifest cannot be expanded (not JSON, not a tree or a page list, or an entry that does not
 * parse), or undefined when every reference it holds was read. What such a manifest names is unknown: readers
 * must report it, never take it as naming nothing.
 */
export function unreadableNested(parsed: ReturnType<typeof parseNestedReferences>): string | undefined {
  const problem = parsed.problems.find((p) => p.severity === 'error');
  if (problem) {
    return `${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
  }
  return parsed.kind === null ? 'not an fs.tree.v1 tree or a page list' : undefined;
}

/** Digests inside an `fs.tree.v1` tree or a cache page manifest. Unsafe entry paths are problems. */
export function parseNestedReferences(text: string): {
  kind: 'fs.tree.v1' | 'cache.pages' | null;
  refs: NestedReference[];
  problems: ManifestProblem[];
} {
  const problems: ManifestProblem[] = [];
  const refs: NestedReference[] = [];
  let raw: unknown;
  try {
    raw = parseJsonText(text);
  } catch (err) {
    return { kind: null, refs, problems: [{ path: '', message: (err as Error).message, severity: 'error' }] };
  }
  if (!isObject(raw)) {
    return { kind: null, refs, problems };
  }
  const digestAt = (path: string, value: unknown, entryPath?: string) => {
    try {
      refs.push({ layer: path, hex: parseDigest(value), ...(entryPath !== undefined ? { path: entryPath } : {}) });
    } catch (err) {
      problems.push({ path, message: `malformed digest: ${(err as Error).message}`, severity: 'error' });
    }
  };
  if (raw.kind === 'fs.tree.v1') {
    if (!Array.isArray(raw.entries)) {
      problems.push({ path: 'entries', message: 'an fs.tree.v1 tree needs an entries array', severity: 'error' });
      return { kind: 'fs.tree.v1', refs, problems };
    }
    raw.entries.forEach((entry: unknown, i: number) => {
      if (!isObject(entry)) {
        problems.push({ path: `entries[${i}]`, message: 'an entry must be an object', severity: 'error' });
        return;
      }
      const p = entry.path;
      if (typeof p !== 'string') {
        problems.push({ path: `entries[${i}].path`, message: 'an entry needs a string path', severity: 'error' });
      } else if (unsafeEntryPath(p)) {
        problems.push({
          path: `entries[${i}].path`,
          message: `unsafe entry path ${quoteShort(p)}: absolute paths and ".." would leave the snapshot`,
          severity: 'error',
        });
      }
      if (entry.blob !== undefined) {
        digestAt(`entries[${i}].blob`, entry.blob, typeof p === 'string' ? p : undefined);
      }
    });
    return { kind: 'fs.tree.v1', refs, problems };
  }
  if (Array.isArray(raw.pages)) {
    raw.pages.forEach((page: unknown, i: number) => {
      if (!isObject(page)) {
        problems.push({ path: `pages[${i}]`, message: 'a page must be an object {k, v}', severity: 'error' });
        return;
      }
      for (const key of ['k', 'v']) {
        if (page[key] === undefined) {
          problems.push({ path: `pages[${i}].${key}`, message: `a page needs ${key}`, severity: 'error' });
        } else {
          digestAt(`pages[${i}].${key}`, page[key]);
        }
      }
    });
    return { kind: 'cache.pages', refs, problems };
  }
  return { kind: null, refs, problems };
}

export function unsafeEntryPath(p: string): boolean {
  return (
    p.startsWith('/') ||
    p.startsWith('\\') ||
    /^[A-Za-z]:/.test(p) ||
    p.includes('\0') ||
    p.split(/[\\/]/).includes('..')
  );
}
