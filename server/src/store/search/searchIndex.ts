// The search index: facts files in `<store>/search-index/` (or, for a store this user cannot write, in a cache
// folder named after the store), each a set of facts keyed by content digests. Facts only add up, so the files
// need no lock: every writer writes a new file under a new name (temp file, fsync, rename), a reader takes the
// union of whatever whole files it finds, and a file whose version or checksum is wrong is removed and its facts
// read again from the store. Brought up to date on each query by comparing the catalog's file names (digests)
// with the snapshots known: only new snapshots are read. Derived data, never a verdict: see searchQuery.ts.
import { createHash, randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import * as fsSync from 'node:fs';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FsBlobStore } from '../blobs/fsBlobStore';
import { listImageFiles, readImageEntries } from '../images/imageCatalog';
import { writeFileDurably } from '../io/durableWrite';
import { insideRoot, openRegularSync, readRegularFile } from '../io/safeOpen';
import { makeFolders } from '../io/makeFolders';
import { imagesFolderStat, readStamp, settled, writeStamp } from './catalogStamp';
import { extractFacts, type ExtractProgress } from './extractFacts';
import { decodeFacts, encodeFacts, FactsFileError, type FactsSource } from './factsFile';
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
  /** Whether the catalog was listed (false: its stamp said nothing had changed since it last was). */
  listed: boolean;
}

/**
 * A facts file read a section at a time, each read opening it afresh (never through a final symlink, never a
 * pipe): nothing stays open between queries, and a file folded away meanwhile reads as gone (ENOENT).
 */
function factsFileSource(file: string): FactsSource {
  const fail = (why: string) => Object.assign(new FactsFileError(why), { file });
  const read = <T>(use: (fd: number, size: number) => T): T => {
    const { fd, info } = openRegularSync(file);
    try {
      if (info.size > MAX_FACTS_BYTES) {
        throw fail('it is larger than any facts file');
      }
      return use(fd, info.size);
    } finally {
      fsSync.closeSync(fd);
    }
  };
  return {
    size: read((_, size) => size),
    read: (offset, length) =>
      read((fd) => {
        const out = Buffer.allocUnsafeSlow(length); // a buffer of its own: its lists of ids are read in place
        for (let at = 0; at < length;) {
          const got = fsSync.readSync(fd, out, at, length - at, offset + at);
          if (got === 0) {
            throw fail('it ends before its sections do');
          }
          at += got;
        }
        return out;
      }),
  };
}

type UpdateOptions = { signal?: AbortSignal; progress?: (p: ExtractProgress) => void };

/** 64 lower-case hex digits (a catalog file's name): a loop, as 10,000 regular expression tests cost 6 ms. */
function isHex64(s: string): boolean {
  if (s.length !== 64) {
    return false;
  }
  for (let i = 0; i < 64; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 97 && c <= 102))) {
      return false;
    }
  }
  return true;
}

export class SearchIndex {
  private facts = new SearchFacts();
  /** Catalog file names found known, for the facts they were found in (replaced facts start again). */
  private readonly knownNames = new WeakMap<SearchFacts, Set<string>>();
  /** Files removed as damaged while their sections were read, not yet reported. */
  private dropped = 0;
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

  async update(opts: UpdateOptions = {}): Promise<IndexUpdate> {
    return this.using(opts, (u) => u);
  }

  /**
   * The index brought up to date, then `use`d. Sections of a facts file are read when first asked for, here or
   * in `use`: a file found damaged then is removed, the facts it held read again, and `use` asked again.
   */
  async using<T>(opts: UpdateOptions, use: (update: IndexUpdate) => T | Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await use(await this.updateOnce(opts));
      } catch (err) {
        if (!(err instanceof FactsFileError) || !err.file || attempt >= MAX_FILES * 2) {
          throw err;
        }
        await fs.rm(err.file, { force: true }).catch(() => undefined);
        this.facts = new SearchFacts();
        this.loaded.clear();
        this.dropped += err.gone ? 0 : 1;
      }
    }
  }

  private async updateOnce(opts: UpdateOptions): Promise<IndexUpdate> {
    const discarded = (await this.loadNewFiles()) + this.dropped;
    this.dropped = 0;
    const listedAt = BigInt(Date.now()) * 1_000_000n; // wall clock, as the folder's mtime is
    const folder = await imagesFolderStat(this.store.root);
    for (const dir of this.dirs()) {
      const stamp = (await this.readable(dir)) ? await readStamp(dir, folder, this.loaded) : undefined;
      if (stamp) {
        // The catalog has not changed since these files knew all of it: nothing to list, nothing to read.
        const gone = new Set(stamp.gone);
        const live = new Set([...this.facts.snapshots.keys()].filter((hex) => !gone.has(hex)));
        return { live, facts: this.facts, added: 0, discarded, listed: false };
      }
    }
    const names = await listImageFiles(this.store.root);
    const live = new Set<string>();
    const unknown: string[] = [];
    // Names found known before are known still (facts only add up): a catalog of 10,000 asks only its new ones.
    const known = this.knownNames.get(this.facts) ?? new Set<string>();
    this.knownNames.set(this.facts, known);
    for (const name of names) {
      if (known.has(name)) {
        live.add(name.slice(0, 64));
        continue;
      }
      const hex = name.length === 69 && name.endsWith('.json') ? name.slice(0, 64) : '';
      if (!isHex64(hex)) {
        continue;
      }
      live.add(hex);
      if (this.knows(hex)) {
        known.add(name);
      } else {
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
    // Stamped only when every snapshot listed is known now (one whose layer could not be read is tried again
    // next time) and the folder had settled before the listing; those just read are the only ones to ask again.
    if (
      this.loaded.size > 0 &&
      settled(folder, listedAt) &&
      unknown.every((name) => !live.has(name.slice(0, 64)) || this.knows(name.slice(0, 64)))
    ) {
      await this.stamp(folder, listedAt, live);
    }
    return { live, facts: this.facts, added, discarded, listed: true };
  }

  /** A snapshot is known when every layer it names has facts (an unreadable one is tried again). */
  private knows(hex: string): boolean {
    const s = this.facts.snapshots.get(hex);
    return (
      !!s &&
      (!s.trace || !!this.facts.traceOf(s)) &&
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
      if (!(await this.readable(dir))) {
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
          const read = decodeFacts(factsFileSource(file), file);
          // Its snapshots are read now; the rest when asked for (a section found damaged then: see `using`).
          if (this.facts.snapshots.size === 0 && read.snapshots.size > 0) {
            this.facts = read; // the first file is taken as it is: nothing to merge it with
          } else {
            read.readAll(); // a small file (a few snapshots), read whole and merged
            this.facts.absorb(read);
          }
          this.loaded.add(file);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
            continue; // folded into another file meanwhile: that one is read instead
          }
          if (err instanceof FactsFileError && err.file !== file) {
            throw err; // a file read before this one, found damaged now: everything is read again
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
    for (const dir of this.writableDirs()) {
      try {
        if (!(await this.prepare(dir))) {
          continue;
        }
        const file = path.join(dir, name);
        await writeFileDurably(`${file}.${process.pid}.${++tempCounter}.${randomHex()}.tmp`, file, bytes);
        // Read back: a file that does not decode to what was written is removed, not left for the next reader.
        try {
          decodeFacts(await readRegularFile(file, MAX_FACTS_BYTES), file).readAll();
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

  /** False for a folder under the store that leads out of it (a link) or is not there: nothing in it is read. */
  private async readable(dir: string): Promise<boolean> {
    return !dir.startsWith(this.store.root + path.sep) || insideRoot(this.store.root, dir).catch(() => false);
  }

  /** Where facts (and the catalog stamp) may be written: the place written last, else in order. */
  private writableDirs(): string[] {
    const writable = this.opts.writeInStore?.() === false ? this.dirs().slice(1) : this.dirs();
    return this.writeDir && writable.includes(this.writeDir) ? [this.writeDir] : writable;
  }

  /** The folder made if need be; false when it is a link out of the store (never written through). */
  private async prepare(dir: string): Promise<boolean> {
    if (dir === this.cacheDir()) {
      // Outside the store, the index holds conversation text: a folder of this user's only, as the store is.
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      return true;
    }
    await makeFolders(dir);
    return insideRoot(this.store.root, dir);
  }

  /** The catalog as just listed, in the first place it can be written (see catalogStamp.ts). */
  private async stamp(folder: BigIntStats | undefined, listedAt: bigint, live: Set<string>): Promise<void> {
    const gone = [...this.facts.snapshots.keys()].filter((hex) => !live.has(hex));
    for (const dir of this.writableDirs()) {
      if (
        (await this.prepare(dir).catch(() => false)) &&
        (await writeStamp(dir, folder, listedAt, { files: [...this.loaded], gone }))
      ) {
        return;
      }
    }
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
