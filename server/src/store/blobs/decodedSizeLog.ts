// Decoded sizes of large blobs whose frames record none (pf-core's), learned by a full decode and kept across
// processes, so a model's weights are decoded once for their size, not at every `pfstore stat` or server start.
//
// Where: outside the store. pf's layout has no place for it and a store may be read-only, so each store gets a
// file under the user's cache folder ($PFSTORE_CACHE_DIR, else $XDG_CACHE_HOME/pfstore, else ~/.cache/pfstore),
// named by a hash of the store's real path.
//
// How it stays true: a line names the file version it was learned from (inode, stored size, mtime). A blob
// replaced by a rename has a new inode; one rewritten in place has a new mtime; either way the old line stops
// applying. The size came from a decode that also re-hashed the content. The file is a cache of the user's own:
// a wrong or damaged line can only misstate a size (lines that do not parse are skipped), never an integrity
// verdict, which every verify computes afresh.
//
// What: only blobs of at least 256 KiB stored. Smaller ones decode in milliseconds and are learned again; the
// large ones are few, so the file and its in-memory map stay small even for a store of a million blobs.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkedHex } from './blobPaths';

/** Stored size from which a learned decoded size is worth keeping. */
export const REMEMBER_FROM_BYTES = 256 << 10;
/** Past this the file is rewritten with one line per digest (the latest). */
const COMPACT_ABOVE_BYTES = 4 << 20;

export interface FileVersion {
  ino: number;
  size: number;
  mtimeMs: number;
}

interface Entry extends FileVersion {
  decodedBytes: number;
}

export class DecodedSizeLog {
  private entries?: Map<string, Entry>;

  /** `file` undefined: nothing is kept (no cache folder could be named). */
  constructor(readonly file: string | undefined) {}

  static forStore(root: string, env: NodeJS.ProcessEnv = process.env): DecodedSizeLog {
    const base = env.PFSTORE_CACHE_DIR
      ? env.PFSTORE_CACHE_DIR
      : env.XDG_CACHE_HOME
        ? path.join(env.XDG_CACHE_HOME, 'pfstore')
        : os.homedir()
          ? path.join(os.homedir(), '.cache', 'pfstore')
          : undefined;
    if (!base) {
      return new DecodedSizeLog(undefined);
    }
    let real = path.resolve(root);
    try {
      real = fs.realpathSync.native(root);
    } catch {
      // a store not created yet: its path as given
    }
    const id = createHash('sha256').update(real).digest('hex').slice(0, 16);
    return new DecodedSizeLog(path.join(base, `decoded-sizes-${id}.txt`));
  }

  /** The size learned for exactly this file version, if any. */
  lookup(hex: string, version: FileVersion): number | undefined {
    const entry = this.load().get(hex);
    return entry && sameVersion(entry, version) ? entry.decodedBytes : undefined;
  }

  /** Keeps a size a decode of this file version measured. Failing to write it loses only the shortcut. */
  remember(hex: string, version: FileVersion, decodedBytes: number): void {
    if (!this.file || version.size < REMEMBER_FROM_BYTES || !Number.isSafeInteger(decodedBytes)) {
      return;
    }
    const known = this.load().get(hex);
    if (known && sameVersion(known, version) && known.decodedBytes === decodedBytes) {
      return;
    }
    this.load().set(checkedHex(hex), { ...version, decodedBytes });
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      // One short line per append: O_APPEND writes of it do not interleave between processes.
      fs.appendFileSync(this.file, lineOf(hex, { ...version, decodedBytes }), { mode: 0o600 });
    } catch {
      // a read-only home or a full disk: the size is learned again next time
    }
  }

  private load(): Map<string, Entry> {
    if (this.entries) {
      return this.entries;
    }
    this.entries = new Map();
    if (!this.file) {
      return this.entries;
    }
    let text: string;
    try {
      const info = fs.lstatSync(this.file);
      if (!info.isFile() || info.size > 4 * COMPACT_ABOVE_BYTES) {
        return this.entries; // not ours to read (a link, a device), or grown past any use: start afresh
      }
      text = fs.readFileSync(this.file, 'utf8');
    } catch {
      return this.entries;
    }
    for (const line of text.split('\n')) {
      const entry = parseLine(line);
      if (entry) {
        this.entries.set(entry.hex, entry.entry);
      }
    }
    if (text.length > COMPACT_ABOVE_BYTES) {
      this.compact();
    }
    return this.entries;
  }

  /** Rewrites the file with the latest line per digest, by temp file and rename. */
  private compact(): void {
    const file = this.file!;
    const temp = `${file}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temp, [...this.entries!].map(([hex, e]) => lineOf(hex, e)).join(''), { mode: 0o600 });
      fs.renameSync(temp, file);
    } catch {
      fs.rmSync(temp, { force: true });
    }
  }
}

/** The same file version: same inode, stored size and mtime. */
export function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function lineOf(hex: string, e: Entry): string {
  return `${hex} ${e.ino} ${e.size} ${e.mtimeMs} ${e.decodedBytes}\n`;
}

const LINE = /^([0-9a-f]{64}) (\d+) (\d+) (\d+(?:\.\d+)?) (\d+)$/;

function parseLine(line: string): { hex: string; entry: Entry } | undefined {
  const m = LINE.exec(line);
  if (!m) {
    return undefined;
  }
  const [ino, size, mtimeMs, decodedBytes] = [m[2], m[3], m[4], m[5]].map(Number);
  return [ino, size, decodedBytes].every(Number.isSafeInteger) && Number.isFinite(mtimeMs)
    ? { hex: m[1], entry: { ino, size, mtimeMs, decodedBytes } }
    : undefined;
}
