// Search across snapshots (issue 37): every form of the grammar against a brute-force scan of what each snapshot
// holds, on stores that fork, merge, hold records edited after signing and secrets in clear; the index kept
// beside the store (added to, damaged, written by two at once); and `pfstore search` as a user runs it.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import '../support/testEnv';
import { parseQuery } from '../../shared/search/query';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { SearchIndex } from '../../server/src/store/search/searchIndex';
import { SearchError, searchFacts, snippetAround } from '../../server/src/store/search/searchQuery';
import { CLI_JS } from '../support/serverProcess';
import { random } from '../support/lineageStore';
import { bruteForce, generateSearchStore, PATHS, TOOLS, WORDS, type Snapshot } from '../support/searchStore';
import { entry, envText, ledgerText, traceText, writePfImage } from '../support/pfLayers';
import { readOnlyMount } from '../support/readOnlyMount';
import { pfcoreFrame, tempStore, writeBlob } from '../support/storeFixtures';
import { Decompressor } from 'zstd-napi';

/** Each section of a facts file: its name, the offset of its first byte in the file, and its length. */
function sectionsOf(bytes: Buffer): Array<[string, number, number]> {
  const table = bytes.toString('latin1').split('\n', 2)[1];
  const bodyStart = bytes.indexOf(10, bytes.indexOf(10) + 1) + 1;
  return (JSON.parse(table) as Array<[string, number, number]>)
    .filter(([, , length]) => length > 0)
    .map(([name, offset, length]) => [name, bodyStart + offset, length]);
}

function pfstore(root: string, ...args: string[]) {
  return spawnSync(process.execPath, [CLI_JS, '--store', root, 'search', ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
}

describe('search agrees with a brute-force scan', () => {
  let store: { root: string; snaps: Snapshot[] };
  let blobs: FsBlobStore;
  before(() => {
    store = generateSearchStore(37, 220);
    blobs = new FsBlobStore(store.root);
  });
  after(async () => {
    await blobs.close();
  });

  const fixed = [
    'deploy',
    'DEPLOY prod',
    '"deployed to prod"',
    '"pushed to main" -rollback',
    '/pushed\\s+to\\s+ma[a-z]n/',
    '/^überprüfung/i',
    'tool:git_push',
    'tool:git_*',
    'class:irreversible',
    'tool:deploy class:irreversible',
    'agent:langgraph',
    'agent:*code',
    'name:run-0-*',
    'name:merge:*',
    'file:infra/*.tf',
    'file:*.md',
    'file:latest.tf',
    'file:infra',
    'content:"line three"',
    'content:staging',
    'env:GITHUB_*',
    'env:feature_?',
    'secret:*',
    'secret:DB_PASSWORD',
    'chain:bad',
    'chain:ok',
    'after:2026-11-25',
    'before:2026-11-22T12:00:00Z',
    'after:2026-11-21 before:2026-11-24',
    'lineage:run-1',
    'lineage:run-0-1*',
    'tool:git_push AND NOT chain:ok',
    'secret:* OR chain:bad',
    '(deploy OR rollback) (tool:http_get OR file:src/db.ts)',
    'NOT NOT migration',
    'nothing-at-all-matches-this',
  ];

  test('every form of the grammar, one query each, from the facts as read and as the index file holds them', async () => {
    const index = new SearchIndex(blobs);
    const { facts, live } = await index.update();
    assert.equal(live.size, store.snaps.length);
    // A second index reads the file the first wrote: its snapshots, traces and corpus come from the file's
    // sections, read as each query asks for them.
    const fromFile = await new SearchIndex(blobs).update();
    assert.equal(fromFile.added, 0, 'the second index read the store, not the file');
    let matchedSome = 0;
    for (const text of fixed) {
      const query = parseQuery(text);
      const want = bruteForce(store.snaps, query);
      for (const [how, u] of [
        ['as read', { facts, live }],
        ['from the file', fromFile],
      ] as const) {
        const got = new Set(searchFacts(u.facts, u.live, query).snapshots.map((s) => s.image));
        assert.deepEqual([...got].sort(), [...want].sort(), `${text} (${how})`);
      }
      matchedSome += want.size > 0 && want.size < store.snaps.length ? 1 : 0;
    }
    // The store is built so that nearly every query splits it: a check that matched all or nothing is weak.
    assert.ok(matchedSome >= fixed.length - 6, `only ${matchedSome} queries split the store`);
  });

  test("a store whose blobs are pf-core's frames (no content size, an 8 MiB window) answers the same", async () => {
    // The same snapshots, every blob re-framed as pf-core writes it: the index reads them through the streaming
    // decoder, and every form of the grammar still finds what the brute-force scan finds.
    const pfStore = generateSearchStore(37, 60);
    const shards = path.join(pfStore.root, 'blobs', 'sha256');
    let reframed = 0;
    for (const file of fs.readdirSync(shards, { recursive: true }) as string[]) {
      if (file.endsWith('.zst')) {
        const at = path.join(shards, file);
        const frame = pfcoreFrame(new Decompressor().decompress(fs.readFileSync(at)));
        assert.equal(frame[4] & 0xc0, 0, 'a frame with no content size');
        fs.writeFileSync(at, frame);
        reframed++;
      }
    }
    assert.ok(reframed > 100, `${reframed} blobs`);
    const pfBlobs = new FsBlobStore(pfStore.root);
    try {
      const { facts, live } = await new SearchIndex(pfBlobs).update();
      assert.equal(live.size, pfStore.snaps.length);
      for (const text of fixed) {
        const query = parseQuery(text);
        const got = new Set(searchFacts(facts, live, query).snapshots.map((m) => m.image));
        assert.deepEqual([...got].sort(), [...bruteForce(pfStore.snaps, query)].sort(), text);
      }
    } finally {
      await pfBlobs.close();
    }
  });

  test('400 random queries of nested AND, OR, NOT over every field', async () => {
    const { facts, live } = await new SearchIndex(blobs).update();
    const next = random(3737);
    const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
    const term = (): string => {
      const names = store.snaps.map((s) => s.name);
      const forms = [
        () => pick(WORDS.filter((w) => !w.includes(' ')).map((w) => w.toUpperCase())),
        () => `"${pick(WORDS)}"`,
        () => `/${pick(['dep.oy', 'pro[d]', '^tests', 'main$', 'to (prod|main)'])}/${pick(['', 'i'])}`,
        () => `tool:${pick(TOOLS).slice(0, 4)}*`,
        () => `class:${pick(['pure', 'irreversible', 'network-only', '*ent'])}`,
        () => `file:${pick([...PATHS, '*.tf', 'src/*', 'docs'])}`,
        () => `content:${pick(['three', 'prod', 'refactor'])}`,
        () => `env:${pick(['HOME', 'FEATURE_*', 'github_token'])}`,
        () => `secret:${pick(['*', 'GITHUB_TOKEN'])}`,
        () => `chain:${pick(['ok', 'bad'])}`,
        () => `${pick(['after', 'before'])}:2026-11-${pick(['21', '23', '26'])}`,
        () => `lineage:${pick(names)}`,
        () => `name:${pick(names).slice(0, 6)}*`,
      ];
      return pick(forms)();
    };
    const expr = (depth: number): string => {
      const r = next();
      if (depth > 2 || r < 0.4) {
        return `${next() < 0.2 ? '-' : ''}${term()}`;
      }
      if (r < 0.6) {
        return `(${expr(depth + 1)} OR ${expr(depth + 1)})`;
      }
      if (r < 0.8) {
        return `NOT ${expr(depth + 1)}`;
      }
      return `${expr(depth + 1)} ${expr(depth + 1)}`;
    };
    for (let i = 0; i < 400; i++) {
      const text = expr(0);
      const query = parseQuery(text);
      const got = searchFacts(facts, live, query).snapshots.map((s) => s.image);
      assert.deepEqual(got.sort(), [...bruteForce(store.snaps, query)].sort(), text);
    }
  });

  test('hits name the message, the call, the file and line, the variable; NOT terms make none', async () => {
    const { facts, live } = await new SearchIndex(blobs).update();
    // Every matching snapshot with its hits (the engine makes them on demand, for the snapshots shown).
    const withHits = (text: string) => {
      const answer = searchFacts(facts, live, parseQuery(text));
      return answer.snapshots.map((s) => answer.hitsOf(s));
    };
    const [first] = withHits('content:"line three"');
    const snap = store.snaps.find((s) => s.hex === first.image)!;
    const fileHit = first.hits.find((h) => h.layer === 'fs')!;
    assert.equal(snap.files.get(fileHit.path!)!.split('\n')[fileHit.line! - 1], 'line three');
    assert.equal(fileHit.snippet.slice(fileHit.mark![0], fileHit.mark![1]), 'line three');

    const [msg] = withHits('PROD');
    const owner = store.snaps.find((s) => s.hex === msg.image)!;
    for (const h of msg.hits) {
      assert.equal(h.layer, 'trace');
      assert.equal(owner.messages[h.index!].role, h.label);
      assert.equal(h.snippet.slice(h.mark![0], h.mark![1]).toLowerCase(), 'prod');
    }
    const calls = withHits('tool:git_push');
    for (const s of calls) {
      const known = store.snaps.find((x) => x.hex === s.image)!;
      for (const h of s.hits) {
        assert.equal(known.calls[h.index!].tool_id, 'git_push');
      }
    }
    const secrets = withHits('secret:*');
    assert.ok(secrets.length > 0);
    for (const s of secrets) {
      assert.ok(s.hits.every((h) => h.layer === 'env' && h.secret));
      assert.ok(!JSON.stringify(s).includes('ghp_') && !JSON.stringify(s).includes('hunter2'), 'a secret value leaked');
    }
    const none = withHits('chain:ok NOT tool:no_such_tool');
    assert.ok(none.length > 0 && none.every((s) => s.hits.length === 0));
  });
});

describe('the index beside the store', () => {
  test('is read once, added to, rebuilt when damaged, and two writers at once corrupt nothing', async () => {
    const { root, snaps } = generateSearchStore(41, 40);
    const blobs = new FsBlobStore(root);
    try {
      const first = await new SearchIndex(blobs).update();
      assert.equal(first.added, 40);
      const dir = path.join(root, 'search-index');
      assert.equal(fs.readdirSync(dir).length, 1);
      const again = await new SearchIndex(blobs).update();
      assert.equal(again.added, 0, 'a second process reads the index, not the store');

      const added = writePfImage(root, {
        name: 'late-arrival',
        createdAt: '2026-12-01T00:00:00Z',
        parents: [snaps[0].hex],
        trace: traceText([{ role: 'user', content: 'a zebra crossed the deploy' }]),
        env: envText({ HOME: '/home/dev' }),
      }).hex;
      const [a, b] = await Promise.all([new SearchIndex(blobs).update(), new SearchIndex(blobs).update()]);
      assert.equal(a.added, 1);
      assert.equal(b.added, 1);
      for (const u of [a, b]) {
        assert.deepEqual(
          searchFacts(u.facts, u.live, parseQuery('zebra')).snapshots.map((s) => s.image),
          [added],
        );
      }
      // Every file left is whole: a third reader takes their union without reading the store.
      const third = await new SearchIndex(blobs).update();
      assert.equal(third.added, 0);
      assert.equal(third.discarded, 0);

      // A damaged section, whichever it is, is found when it is read: its file is removed, its snapshots read
      // again, and no answer changes.
      const everything = ['zebra', 'tool:git_push', 'secret:*', 'env:HOME', 'file:*', 'content:the', 'chain:ok'];
      const answers = (index: SearchIndex) =>
        index.using({}, (u) => {
          u.facts.readAll();
          return everything.map((q) => searchFacts(u.facts, u.live, parseQuery(q)).snapshots.map((s) => s.image));
        });
      const expected = await answers(new SearchIndex(blobs));
      assert.deepEqual(expected[0], [added]);
      const whole = new Map(fs.readdirSync(dir).map((f) => [f, fs.readFileSync(path.join(dir, f))]));
      const names = sectionsOf(whole.values().next().value!).map(([name]) => name);
      assert.ok(names.length >= 10, `${names.length} sections`);
      for (const name of names) {
        const damagedFiles: Buffer[] = [];
        for (const [f, bytes] of whole) {
          const damaged = Buffer.from(bytes);
          const at = new Map(sectionsOf(bytes).map(([n, offset]) => [n, offset])).get(name);
          if (at === undefined) {
            continue; // empty in this file (the late snapshot's file holds no file text)
          }
          damaged[at] ^= 0x20;
          fs.writeFileSync(path.join(dir, f), damaged);
          damagedFiles.push(damaged);
        }
        assert.ok(damagedFiles.length > 0, `no file has a ${name} section`);
        assert.deepEqual(await answers(new SearchIndex(blobs)), expected, `answers with the ${name} section damaged`);
        for (const f of fs.readdirSync(dir)) {
          const left = fs.readFileSync(path.join(dir, f));
          assert.ok(!damagedFiles.some((d) => d.equals(left)), `a file with a damaged ${name} section was kept`);
        }
        fs.readdirSync(dir).forEach((f) => fs.rmSync(path.join(dir, f)));
      }
      whole.forEach((bytes, f) => fs.writeFileSync(path.join(dir, f), bytes));
      const healed = await new SearchIndex(blobs).update();
      assert.equal(healed.discarded + healed.added, 0, 'the files put back whole are read as they are');

      // A file removed while its sections are still to be read (another process folded it away): read again,
      // the same answers, and not called damaged.
      const folding = new SearchIndex(blobs);
      let tries = 0;
      let discarded = 0;
      const got = await folding.using({}, (u) => {
        if (tries++ === 0) {
          fs.readdirSync(dir).forEach((f) => fs.rmSync(path.join(dir, f)));
        }
        discarded += u.discarded;
        u.facts.readAll();
        return everything.map((q) => searchFacts(u.facts, u.live, parseQuery(q)).snapshots.map((s) => s.image));
      });
      assert.deepEqual(got, expected);
      assert.equal(tries, 2);
      discarded += (await folding.update()).discarded;
      assert.equal(discarded, 0, 'a file folded away was called damaged');
      // A removed snapshot is not found, though its facts stay in the index until it is folded.
      fs.rmSync(path.join(root, 'images', `${added}.json`));
      const after = await new SearchIndex(blobs).update();
      assert.equal(searchFacts(after.facts, after.live, parseQuery('zebra')).snapshots.length, 0);
    } finally {
      await blobs.close();
    }
  });

  test('a search-index folder that links out of the store is never written through; the cache folder is private', async () => {
    const { root } = generateSearchStore(44, 5);
    const outside = tempStore('pf-search-outside-');
    const cache = tempStore('pf-search-cache-');
    fs.symlinkSync(outside, path.join(root, 'search-index'));
    const blobs = new FsBlobStore(root);
    try {
      const u = await new SearchIndex(blobs, { cacheDir: cache }).update();
      assert.equal(u.added, 5);
      assert.deepEqual(fs.readdirSync(outside), [], 'nothing written through the link');
      const [own] = fs.readdirSync(path.join(cache, 'search-index'));
      const folder = path.join(cache, 'search-index', own);
      assert.equal(fs.statSync(folder).mode & 0o777, 0o700);
      assert.equal(fs.readdirSync(folder).length, 1);
    } finally {
      await blobs.close();
      for (const d of [outside, cache]) {
        fs.rmSync(d, { recursive: true, force: true });
      }
    }
  });

  test('a facts file whose checksums hold but whose lists do not is not trusted, and costs no answer', async () => {
    const { root } = generateSearchStore(47, 30);
    const blobs = new FsBlobStore(root);
    const dir = path.join(root, 'search-index');
    const queries = ['deploy', 'tool:git_push', 'secret:*', 'chain:bad', 'lineage:*'];
    const answers = () =>
      new SearchIndex(blobs).using({}, (u) => {
        u.facts.readAll();
        return queries.map((q) => {
          const found = searchFacts(u.facts, u.live, parseQuery(q));
          return found.snapshots.map((m) => `${m.image} ${found.hitsOf(m).hits.length}`);
        });
      });
    // A section's ints rewritten and its checksum made to match (what a crafted file would hold).
    const crafted = (bytes: Buffer, name: string, change: (ints: Int32Array) => void): Buffer => {
      const out = Buffer.from(bytes);
      const [offset, length] = new Map(sectionsOf(out).map(([n, at, len]) => [n, [at, len]])).get(name)!;
      change(new Int32Array(out.buffer, out.byteOffset + offset, length / 4));
      const sum = createHash('sha256')
        .update(out.subarray(offset, offset + length))
        .digest('hex');
      const lines = out.toString('latin1').split('\n', 2);
      const table = JSON.parse(lines[1]) as Array<[string, number, number, string]>;
      const old = table.find((row) => row[0] === name)![3];
      const head = Buffer.from(`${lines[0]}\n${lines[1].replace(old, sum)}`, 'latin1');
      head.copy(out);
      return out;
    };
    try {
      const expected = await answers();
      const [file] = fs.readdirSync(dir).filter((f) => f.endsWith('.pfsf'));
      const whole = fs.readFileSync(path.join(dir, file));
      const cases: Array<[string, string, (ints: Int32Array) => void]> = [
        ['a snapshot naming a digest the file does not hold', 'snapshots', (i) => (i[0] = 1 << 30)],
        ['a trace naming messages past the table', 'traces', (i) => (i[2 + 1] = 1 << 30)],
        ['a record with a verdict the file does not know', 'ledgers', (i) => (i[1] = 7)],
        ['a corpus whose messages start out of order', 'starts', (i) => (i[2] = 1)],
        ['a corpus whose first message starts late', 'starts', (i) => (i[0] = 5)],
        ['a snapshot naming more parents than its section holds', 'snapshots', (i) => (i[6] = 1 << 30)],
        ['a snapshot without a digest of its own', 'snapshots', (i) => (i[0] = -1)],
        ['a record running past its section', 'ledgers', (i) => (i[5] = 1 << 30)],
        ['a trace running past its section', 'traces', (i) => (i[1] = 1 << 30)],
      ];
      for (const [what, section, change] of cases) {
        fs.writeFileSync(path.join(dir, file), crafted(whole, section, change));
        assert.deepEqual(await answers(), expected, what);
        const left = fs.existsSync(path.join(dir, file)) ? fs.readFileSync(path.join(dir, file)) : whole;
        assert.ok(left.equals(whole), `${what}: the crafted file was kept`);
      }
      // A facts file too large to be one (sparse: nothing is written) is removed, not read, and costs nothing.
      fs.writeFileSync(path.join(dir, file), whole);
      const huge = path.join(dir, `facts-${'0'.repeat(32)}.pfsf`);
      fs.writeFileSync(huge, '');
      fs.truncateSync(huge, 4 * 1024 ** 3 + 1);
      assert.deepEqual(await answers(), expected, 'a file past the size of any facts file');
      assert.ok(!fs.existsSync(huge), 'the oversized file was kept');
      // A phrase holding a NUL matches nothing (no message holds one: each became U+FFFD when indexed).
      const nul = await new SearchIndex(blobs).update();
      assert.equal(searchFacts(nul.facts, nul.live, parseQuery('"deploy\u0000prod"')).snapshots.length, 0);
      // A name whose end lies past its section reads as no name (and the agent kind after it): nothing else
      // changes.
      fs.writeFileSync(
        path.join(dir, file),
        crafted(whole, 'snapshotTextStarts', (i) => (i[1] = 1 << 30)),
      );
      assert.deepEqual(await answers(), expected);
    } finally {
      await blobs.close();
    }
  });

  test('past 8 files the index is folded into one, holding only what the catalog still names', async () => {
    const { root, snaps } = generateSearchStore(53, 12);
    const blobs = new FsBlobStore(root);
    const dir = path.join(root, 'search-index');
    const facts = () => fs.readdirSync(dir).filter((f) => f.endsWith('.pfsf'));
    const found = async (q: string) => {
      const u = await new SearchIndex(blobs).update();
      return searchFacts(u.facts, u.live, parseQuery(q)).snapshots.map((m) => m.name);
    };
    try {
      await new SearchIndex(blobs).update();
      const added: string[] = [];
      for (let i = 0; i < 7; i++) {
        added.push(
          writePfImage(root, {
            name: `late-${i}`,
            createdAt: `2026-12-0${1 + (i % 8)}T00:00:00Z`,
            parents: [snaps[i].hex],
            trace: traceText([{ role: 'user', content: `okapi number ${i} crossed the deploy` }]),
          }).hex,
        );
        await new SearchIndex(blobs).update(); // a file of its own for each
      }
      assert.equal(facts().length, 8);
      assert.deepEqual((await found('okapi')).sort(), added.map((_, i) => `late-${i}`).sort());
      // One snapshot leaves the catalog, one more arrives: its file, the ninth, folds them all into one.
      fs.rmSync(path.join(root, 'images', `${added[0]}.json`));
      writePfImage(root, {
        name: 'late-7',
        createdAt: '2026-12-09T00:00:00Z',
        trace: traceText([{ role: 'user', content: 'okapi number 7 crossed the deploy' }]),
      });
      const folded = await new SearchIndex(blobs).update();
      assert.equal(facts().length, 1, `files left: ${facts().join(' ')}`);
      assert.ok(!folded.facts.snapshots.has(added[0]), 'a snapshot gone from the catalog was kept');
      assert.equal(folded.facts.snapshots.size, 12 + 7);
      const okapis = (await found('okapi')).sort();
      assert.deepEqual(okapis, ['late-1', 'late-2', 'late-3', 'late-4', 'late-5', 'late-6', 'late-7']);
      assert.deepEqual(
        await found('tool:git_push'),
        searchFacts(folded.facts, folded.live, parseQuery('tool:git_push')).snapshots.map((m) => m.name),
      );
    } finally {
      await blobs.close();
    }
  });

  test('a file that is not a facts file of this version is removed and read again', async () => {
    const { root } = generateSearchStore(59, 10);
    const blobs = new FsBlobStore(root);
    const dir = path.join(root, 'search-index');
    try {
      const expected = (await new SearchIndex(blobs).update()).live.size;
      const only = () => fs.readdirSync(dir).filter((f) => f.endsWith('.pfsf'));
      const [file] = only();
      const whole = fs.readFileSync(path.join(dir, file));
      const lines = whole.toString('latin1').split('\n');
      const cases: Array<[string, string]> = [
        ['another version', `pfstore-search-facts 3\n${lines.slice(1).join('\n')}`],
        ['a table that does not parse', `${lines[0]}\n{not json\n${lines.slice(2).join('\n')}`],
        [
          'a table without its snapshots',
          `${lines[0]}\n${lines[1].replace('"snapshots"', '"snapshotz"')}\n${lines.slice(2).join('\n')}`,
        ],
        ['no second line', lines[0]],
      ];
      for (const [what, text] of cases) {
        fs.writeFileSync(path.join(dir, file), Buffer.from(text, 'latin1'));
        const u = await new SearchIndex(blobs).update();
        assert.equal(u.discarded, 1, what);
        assert.equal(u.added, 10, what);
        assert.equal(u.live.size, expected, what);
        assert.equal(only().length, 1, `${what}: one whole file in its place`);
        assert.equal((await new SearchIndex(blobs).update()).added, 0, `${what}: the new file is read`);
        only().forEach((f) => fs.rmSync(path.join(dir, f)));
      }
    } finally {
      await blobs.close();
    }
  });

  test('catalog files that are not snapshots are not searched, and do not stop the rest', async () => {
    const { root, snaps } = generateSearchStore(61, 8);
    fs.writeFileSync(path.join(root, 'images', 'notes.json'), '{}');
    fs.writeFileSync(path.join(root, 'images', `${'ab'.repeat(31)}AB.json`), '{}');
    fs.writeFileSync(path.join(root, 'images', `${'cd'.repeat(32)}.json`), 'not a manifest');
    const blobs = new FsBlobStore(root);
    try {
      const u = await new SearchIndex(blobs).update();
      assert.deepEqual([...u.live].sort(), snaps.map((x) => x.hex).sort());
      const again = await new SearchIndex(blobs).update();
      assert.deepEqual([...again.live].sort(), snaps.map((x) => x.hex).sort());
    } finally {
      await blobs.close();
    }
  });

  test('the catalog is listed again whenever the images folder changed; an unchanged one is not listed', async () => {
    const { root, snaps } = generateSearchStore(43, 20);
    const blobs = new FsBlobStore(root);
    const images = path.join(root, 'images');
    const stamp = path.join(root, 'search-index', 'catalog-stamp.json');
    // The folder's last change made an hour ago (what a store looks like between snapshots).
    const settle = () => fs.utimesSync(images, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
    const found = async (q: string) => {
      const u = await new SearchIndex(blobs).update();
      return {
        listed: u.listed,
        added: u.added,
        images: searchFacts(u.facts, u.live, parseQuery(q)).snapshots.map((s) => s.image),
      };
    };
    try {
      const first = await found('zebra OR deploy');
      assert.equal(first.listed, true);
      assert.ok(!fs.existsSync(stamp), 'a stamp of a folder changed within the last seconds (a racy one)');
      settle();
      assert.equal((await found('zebra OR deploy')).listed, true);
      assert.ok(fs.existsSync(stamp), 'no stamp of a settled folder');
      const stamped = await found('zebra OR deploy');
      assert.deepEqual(stamped, { listed: false, added: 0, images: first.images });

      // A snapshot added: the folder changed, so it is listed and read.
      const zebra = writePfImage(root, {
        name: 'zebra-run',
        createdAt: '2026-12-02T00:00:00Z',
        parents: [snaps[0].hex],
        trace: traceText([{ role: 'user', content: 'a zebra crossed the deploy' }]),
      }).hex;
      const added = await found('zebra');
      assert.deepEqual(added, { listed: true, added: 1, images: [zebra] });

      // Settled again, then the snapshot removed: listed, and gone from the answers, stamped or not.
      settle();
      await found('zebra');
      assert.equal((await found('zebra')).listed, false);
      fs.rmSync(path.join(images, `${zebra}.json`));
      assert.deepEqual(await found('zebra'), { listed: true, added: 0, images: [] });
      settle();
      await found('zebra');
      assert.deepEqual(await found('zebra'), { listed: false, added: 0, images: [] });

      // A stamp that does not parse, or names other facts files, is only a listing; a FIFO in its place is
      // never opened for reading (that read would wait for ever).
      fs.writeFileSync(stamp, '{"v":1,');
      assert.equal((await found('zebra')).listed, true);
      fs.rmSync(stamp);
      assert.equal(spawnSync('mkfifo', [stamp]).status, 0);
      assert.equal((await found('zebra')).listed, true);
    } finally {
      await blobs.close();
    }
  });

  test('a read-only store keeps its index in the cache folder', async (t) => {
    const { root: made } = generateSearchStore(43, 6);
    const mount = readOnlyMount((dir) => fs.cpSync(made, path.join(dir, 'store'), { recursive: true }), '16m');
    if (!mount) {
      // Without mount rights there is no read-only file system to try (tests run as root: modes stop nobody).
      assert.notEqual(process.env.CI, 'true', 'cannot mount a read-only tmpfs here (tests need mount rights)');
      t.skip('mount is refused on this machine');
      return;
    }
    const root = path.join(mount.dir, 'store');
    const cache = tempStore('pf-search-cache-');
    const blobs = new FsBlobStore(root);
    try {
      const first = await new SearchIndex(blobs, { cacheDir: cache }).update();
      assert.equal(first.added, 6);
      assert.ok(!fs.existsSync(path.join(root, 'search-index')));
      assert.equal(fs.readdirSync(path.join(cache, 'search-index')).length, 1, 'one index folder for the store');
      const again = await new SearchIndex(blobs, { cacheDir: cache }).update();
      assert.equal(again.added, 0, 'the second search reads the cached index, not the store');
    } finally {
      await blobs.close();
      mount.unmount();
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });
});

describe('pfstore search', () => {
  let root: string;
  let snaps: Snapshot[];
  before(() => {
    ({ root, snaps } = generateSearchStore(47, 60));
  });

  test('exit 0 with hits grouped by snapshot, 3 when nothing matched, 1 with the column of a malformed query', () => {
    const found = pfstore(root, 'tool:git_push', 'deploy');
    assert.equal(found.status, 0, found.stderr);
    assert.match(found.stdout, /tool call \d+: «git_push»/);
    assert.match(found.stdout, /message \d+ \((user|assistant|tool|system)\): .*«deploy»/i);
    assert.match(found.stdout, /record (intact|not checked)|RECORD NOT INTACT/);
    assert.match(found.stdout, /snapshots? of 60 matched/);

    const none = pfstore(root, 'nothing-like-this');
    assert.equal(none.status, 3);
    const bad = pfstore(root, 'deploy', '(prod');
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /never closed \(column 8\)\n {2}deploy \(prod\n {9}\^/);
    assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');

    // No query, a limit that is not a number: exit 1 in words.
    const empty = spawnSync(process.execPath, [CLI_JS, '--store', root, 'search'], { encoding: 'utf8' });
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /search takes a query/);
    const limit = pfstore(root, '--limit', 'all', 'deploy');
    assert.equal(limit.status, 1);
    assert.match(limit.stderr, /--limit takes a number of snapshots/);
    // A snapshot with more places than are listed says how many more.
    const many = pfstore(root, '--limit', '1', '/[a-z]/', '/[e]/', 'env:*', 'file:*');
    assert.equal(many.status, 0, many.stderr);
    assert.match(many.stdout, /… and \d+ more places?\n/);
    assert.match(many.stdout, /\(1 shown; --limit 0 shows all\)/);
    // A damaged index file is said, removed and read again; the answer is the same.
    const dir = path.join(root, 'search-index');
    for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.pfsf'))) {
      const bytes = fs.readFileSync(path.join(dir, f));
      bytes[0] ^= 0x20;
      fs.writeFileSync(path.join(dir, f), bytes);
    }
    const healed = pfstore(root, 'tool:git_push', 'deploy');
    assert.equal(healed.status, 0, healed.stderr);
    assert.match(healed.stderr, /pfstore: \d+ index files? damaged or of another version: removed, read again/);
    assert.equal(healed.stdout, found.stdout);
  });

  test('--json lines and --images name what the brute-force scan names; no secret value anywhere', () => {
    const json = pfstore(root, '--json', '--limit', '0', 'secret:* OR deploy');
    assert.equal(json.status, 0, json.stderr);
    const hits = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const want = bruteForce(snaps, parseQuery('secret:* OR deploy'));
    assert.deepEqual([...new Set(hits.map((h) => (h.image as string).slice(7)))].sort(), [...want].sort());
    for (const h of hits) {
      assert.deepEqual(Object.keys(h), ['image', 'name', 'layer', 'index', 'path', 'line', 'snippet']);
      assert.ok(['trace', 'ledger', 'fs', 'env'].includes(h.layer as string));
    }
    const images = pfstore(root, '--images', '--json', '--limit', '0', 'chain:bad');
    const lines = images.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(
      lines.map((l) => (l.image as string).slice(7)).sort(),
      [...bruteForce(snaps, parseQuery('chain:bad'))].sort(),
    );
    assert.deepEqual(Object.keys(lines[0]), ['image', 'name', 'created']);
    const text = pfstore(root, 'secret:*');
    for (const out of [json.stdout, text.stdout, text.stderr]) {
      assert.ok(!out.includes('ghp_') && !out.includes('hunter2'), 'a secret value was printed');
    }
    assert.match(text.stdout, /secret in clear: (GITHUB_TOKEN|DB_PASSWORD) \(its value is not shown\)/);
  });
});

describe('hostile records', () => {
  // A ceiling on a hang (a planted removal of the memo never finishes), not a speed target.
  test(
    'merges of merges that name one record twice at every level are read once each, not 2^40 times',
    { timeout: 60_000 },
    async () => {
      const root = tempStore('pf-search-merges-');
      const calls = [entry(0, 'read_file'), entry(1, 'git_push', 'irreversible')];
      let text = ledgerText(calls, { secretHex: '5d'.repeat(32) });
      for (let level = 0; level < 40; level++) {
        const inner = writeBlob(root, text);
        text = JSON.stringify({
          kind: 'effects.merged.v1',
          parent_a: `sha256:${inner}`,
          parent_b: `sha256:${inner}`,
          ancestor: `sha256:${inner}`,
          replay_with_new_key: ['irreversible'],
          summary: { a_entries: 2, b_entries: 2, b_irreversible_cached: 0 },
        });
      }
      const image = writePfImage(root, { name: 'deep-merge', createdAt: '2026-12-01T00:00:00Z', ledger: text }).hex;
      const blobs = new FsBlobStore(root);
      try {
        const { facts, live } = await new SearchIndex(blobs).update();
        for (const q of ['tool:git_push', 'chain:ok', 'class:irreversible']) {
          const answer = searchFacts(facts, live, parseQuery(q));
          assert.deepEqual(
            answer.snapshots.map((s) => s.image),
            [image],
            q,
          );
          assert.ok(answer.hitsOf(answer.snapshots[0]).hits.length <= 20);
        }
      } finally {
        await blobs.close();
      }
    },
  );
});

describe('what a hit shows', () => {
  test('a credential near a match is hidden in the snippet, and the mark still covers the match', () => {
    const text = `we pushed with ghp_${'Z9'.repeat(20)} and then deployed to prod at noon`;
    const at = text.indexOf('deployed');
    const { snippet, mark } = snippetAround(text, at, 'deployed'.length);
    assert.ok(!snippet.includes('ghp_'), snippet);
    assert.match(snippet, /\[secret hidden\]/);
    assert.equal(snippet.slice(mark[0], mark[1]), 'deployed');
  });

  test('a regular expression that runs away is stopped with a clear error', async () => {
    const { root } = generateSearchStore(53, 3);
    writePfImage(root, {
      name: 'backtracker',
      createdAt: '2026-12-01T00:00:00Z',
      trace: traceText([{ role: 'user', content: `${'a'.repeat(40)}!` }]),
    });
    const blobs = new FsBlobStore(root);
    try {
      const { facts, live } = await new SearchIndex(blobs).update();
      assert.throws(
        () => searchFacts(facts, live, parseQuery('/(a+)+$/'), { regexTimeoutMs: 150 }),
        (err: unknown) => err instanceof SearchError && /took longer than 0.15 s .* was stopped/.test(err.message),
      );
    } finally {
      await blobs.close();
    }
  });
});
