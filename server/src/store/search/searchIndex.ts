// The search index: facts files in `<store>/search-index/` (or, for a store this user cannot write, in a cache
// folder named after the store), each a set of facts keyed by content digests. Facts only add up, so the files
// need no lock: every writer writes a new file under a new name (temp file, fsync, rename), a reader takes the
// union of whatever whole files it finds, and a file whose version or checksum is wrong is removed and its facts
// read again from the store. Brought up to date on each query by comparing the catalog's file names (digests)
// with the snapshots known: only new snapshots are read. Derived data, never a verdict: see searchQuery.ts.
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import { listImageFiles, readImageEntries } from '../images/imageCatalog';
import { writeFileDurably } from '../io/durableWrite';
import { insideRoot, readRegularFile } from '../io/safeOpen';
import { makeFolders } from '../io/makeFolders';
import { extractFacts, type ExtractProgress } from './extractFacts';
import { decodeFacts, encodeFacts, FactsFileError } from './factsFile';
import { SearchFacts } from './searchFacts';

let tempCounter = 0;
const randomHex = () => randomBytes(6).toString('hex');
const FACTS_FILE = /^facts-[0-9a-f]{32}\.pfsf$/;
/** Past this many files, a query folds them into one (and drops what no snapshot in the catalog still names). */
const MAX_FILES = 8;
/** A facts file is read whole; past this it is not one of ours. */
const MAX_FACTS_BYTES = 4 * 1024 ** 3 - 1;

export interface IndexUpdate {
  /** Catalog digests (hex) of the snapshots now in the store, all of them known to `facts`. */
  live: Set<string>;
  facts: SearchFacts;
  /** Snapshots read from the store for this update. */
  added: number;
  /** Facts files found damaged or of another version, removed. */
  discarded: number;
}

export class SearchIndex {
  private facts = new SearchFacts();
  private readonly loaded = new Set<string>();
  private writeDir?: string;

  constructor(
    private readonly store: FsBlobStore,
    private readonly opts: {
      cacheDir?: string;
      /** False: nothing is written under the store (an untrusted workspace), only in the cache folder. */
      writeInStore?: () => boolean;
    } = {},
  ) {}

  /** Where facts are read from: the store's own folder, then the cache folder for this store. */
  dirs(): string[] {
    return [path.join(this.store.root, 'search-index'), this.cacheDir()];
  }

  async update(opts: { signal?: AbortSignal; progress?: (p: ExtractProgress) => void } = {}): Promise<IndexUpdate> {
    const discarded = await this.loadNewFiles();
    const names = await listImageFiles(this.store.root);
    const live = new Set<string>();
    const unknown: string[] = [];
    for (const name of names) {
      const hex = name.length === 69 && name.endsWith('.json') ? name.slice(0, 64) : '';
      if (!/^[0-9a-f]{64}$/.test(hex)) {
        continue;
      }
      live.add(hex);
      if (!this.knows(hex)) {
        unknown.push(name);
      }
    }
    let added = 0;
    if (unknown.length > 0) {
      const entries = (await readImageEntries(this.store.root, unknown)).filter((e) => e.manifest);
      const fresh = await extractFacts(this.store, entries, this.facts, opts);
      this.facts.absorb(fresh);
      added = entries.length;
      for (const e of entries) {
        live.add(e.hex);
      }
      await this.write(fresh);
    }
    for (const hex of [...live]) {
      if (!this.facts.snapshots.has(hex)) {
        live.delete(hex); // a catalog file that is not a snapshot: nothing to search
      }
    }
    if (this.loaded.size > MAX_FILES) {
      await this.compact(live);
    }
    return { live, facts: this.facts, added, discarded };
  }

  /** A snapshot is known when every layer it names has facts (an unreadable one is tried again). */
  private knows(hex: string): boolean {
    const s = this.facts.snapshots.get(hex);
    return (
      !!s &&
      (!s.trace || !!this.facts.traces.get(s.trace)) &&
      (!s.ledger || this.facts.ledgers.has(s.ledger)) &&
      (!s.fs || this.facts.trees.has(s.fs)) &&
      (!s.env || this.facts.envNames.has(s.env))
    );
  }

  private async loadNewFiles(): Promise<number> {
    let discarded = 0;
    for (const dir of this.dirs()) {
      let names: string[];
      try {
        names = (await fs.readdir(dir)).filter((n) => FACTS_FILE.test(n));
      } catch {
        continue; // no index here yet
      }
      if (dir.startsWith(this.store.root + path.sep) && !(await insideRoot(this.store.root, dir))) {
        continue; // a link out of the store: never followed
      }
      // The largest first: it is taken as it is, and the small ones (a snapshot or a few each) merge into it.
      const sized = await Promise.all(
        names.map(async (name) => ({
          name,
          size: (await fs.lstat(path.join(dir, name)).catch(() => null))?.size ?? 0,
        })),
      );
      sized.sort((a, b) => b.size - a.size);
      for (const { name } of sized) {
        const file = path.join(dir, name);
        if (this.loaded.has(file)) {
          continue;
        }
        try {
          const read = decodeFacts(await readRegularFile(file, MAX_FACTS_BYTES));
          if (this.facts.snapshots.size === 0) {
            this.facts = read; // the first file is taken as it is: nothing to merge it with
          } else {
            this.facts.absorb(read);
          }
          this.loaded.add(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            continue; // folded into another file meanwhile: that one is read instead
          }
          if (err instanceof FactsFileError || (err as NodeJS.ErrnoException).code) {
            discarded++;
            await fs.rm(file, { force: true }).catch(() => undefined);
            continue;
          }
          throw err;
        }
      }
    }
    return discarded;
  }

  /** New facts as a new file where this user can write; none writable, they stay in memory only. */
  private async write(facts: SearchFacts): Promise<string | undefined> {
    const bytes = encodeFacts(facts);
    const name = `facts-${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.pfsf`;
    const writable = this.opts.writeInStore?.() === false ? this.dirs().slice(1) : this.dirs();
    for (const dir of this.writeDir && writable.includes(this.writeDir) ? [this.writeDir] : writable) {
      try {
        if (dir === this.cacheDir()) {
          // Outside the store, the index holds conversation text: a folder of this user's only, as the store is.
          await fs.mkdir(dir, { recursive: true, mode: 0o700 });
        } else {
          await makeFolders(dir);
          if (!(await insideRoot(this.store.root, dir))) {
            continue; // search-index/ is a link out of the store: never written through
          }
        }
        const file = path.join(dir, name);
        await writeFileDurably(`${file}.${process.pid}.${++tempCounter}.${randomHex()}.tmp`, file, bytes);
        // Read back: a file that does not decode to what was written is removed, not left for the next reader.
        try {
          decodeFacts(await readRegularFile(file, MAX_FACTS_BYTES));
        } catch (err) {
          await fs.rm(file, { force: true });
          throw err;
        }
        this.writeDir = dir;
        this.loaded.add(file);
        return file;
      } catch (err) {
        if (err instanceof FactsFileError) {
          continue; // it did not read back as written: not kept here, tried in the next place
        }
        if (!['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EEXIST'].includes((err as NodeJS.ErrnoException).code ?? '')) {
          throw err;
        }
      }
    }
    return undefined;
  }

  /** Every file folded into one holding only what the live snapshots name; the others then removed. */
  private async compact(live: Set<string>): Promise<void> {
    const kept = pruned(this.facts, live);
    const before = [...this.loaded];
    this.loaded.clear();
    const file = await this.write(kept);
    if (!file) {
      before.forEach((f) => this.loaded.add(f));
      return;
    }
    this.facts = kept;
    for (const old of before.filter((f) => f !== file)) {
      await fs.rm(old, { force: true }).catch(() => undefined);
    }
  }

  private cacheDir(): string {
    // The user's cache folder, as for decoded sizes: $PFSTORE_CACHE_DIR, else $XDG_CACHE_HOME/pfstore, else ~/.cache.
    const env = process.env;
    const base =
      this.opts.cacheDir ??
      env.PFSTORE_CACHE_DIR ??
      (env.XDG_CACHE_HOME ? path.join(env.XDG_CACHE_HOME, 'pfstore') : path.join(os.homedir(), '.cache', 'pfstore'));
    const id = createHash('sha256').update(path.resolve(this.store.root)).digest('hex').slice(0, 16);
    return path.join(base, 'search-index', id);
  }
}

/** The facts the live snapshots name, and nothing else (tables renumbered, rows no list names dropped). */
export function pruned(facts: SearchFacts, live: Set<string>): SearchFacts {
  const part = new SearchFacts({ messages: facts.messages, calls: facts.calls });
  const copy = <T>(from: Map<string, T>, to: Map<string, T>, key: string | undefined) => {
    if (key !== undefined && from.has(key) && !to.has(key)) {
      to.set(key, from.get(key)!);
    }
  };
  for (const hex of live) {
    const s = facts.snapshots.get(hex);
    if (!s) {
      continue;
    }
    part.snapshots.set(hex, s);
    copy(facts.traces, part.traces, s.trace);
    copy(facts.trees, part.trees, s.fs);
    copy(facts.envNames, part.envNames, s.env);
    copy(facts.secretNames, part.secretNames, s.env && `env:${s.env}`);
    copy(facts.secretNames, part.secretNames, s.procs && `procs:${s.procs}`);
    for (const blob of (s.fs && facts.trees.get(s.fs)?.blobs) || []) {
      copy(facts.files, part.files, blob || undefined);
    }
    const ledgers = [s.ledger];
    for (let i = 0; i < ledgers.length && i < 1024; i++) {
      const l = ledgers[i] && facts.ledgers.get(ledgers[i]!);
      copy(facts.ledgers, part.ledgers, ledgers[i]);
      for (const parent of l && l.merged ? l.merged : []) {
        ledgers.push(parent);
      }
    }
  }
  const out = new SearchFacts();
  out.absorb(part);
  return out;
}
