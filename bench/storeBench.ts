// Store benchmarks (issue 2): ours against the zstd / sha256sum command-line pipeline, in the same run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';
import { writeManyBlobs } from '../test/support/storeFixtures';
import { textBytes, writeTextFile } from './benchData';
import { mib, ms, record } from './report';
import { sh, timeIt } from './timing';

const SMALL_FILES = 400;

async function putAllLimited(store: FsBlobStore, files: string[], lanes: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < files.length) {
        await store.putFile(files[next++]);
      }
    }),
  );
}

/** The shell pipeline a user would write to store one file the pf-core way. */
const CLI_PUT = `h=$(sha256sum "$f" | cut -c1-64); d="$S/blobs/sha256/\${h:0:2}"; mkdir -p "$d"; [ -e "$d/$h.zst" ] || { zstd -19 -T1 -q -f "$f" -o "$d/$h.tmp" && mv "$d/$h.tmp" "$d/$h.zst"; }`;

export async function benchSmallPuts(work: string): Promise<void> {
  const dir = path.join(work, 'small');
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (let i = 0; i < SMALL_FILES; i++) {
    const f = path.join(dir, `f${i}.txt`);
    fs.writeFileSync(f, textBytes(2048 + ((i * 997) % 6144), i + 1));
    files.push(f);
  }
  const cliStore = path.join(work, 'cli-small');
  const cliMs = await timeIt(() => sh(`for f in "$D"/*.txt; do ${CLI_PUT}; done`, { D: dir, S: cliStore }));
  const ours = new FsBlobStore(path.join(work, 'ours-small'));
  const oursMs = await timeIt(() => putAllLimited(ours, files, ours.pool.size * 2));
  await ours.close();
  const same =
    sh(`cd "${cliStore}/blobs" && find . -name '*.zst' | sort | md5sum`) ===
    sh(`cd "${path.join(work, 'ours-small')}/blobs" && find . -name '*.zst' | sort | md5sum`);
  if (!same) {
    throw new Error('the CLI pipeline and our store wrote different blob names');
  }
  record({
    name: `put ${SMALL_FILES} small files (2-8 KiB)`,
    ours: ms(oursMs),
    baseline: `${ms(cliMs)} (sha256sum + zstd -19 per file)`,
    ratio: oursMs / cliMs,
    goal: '<= 1.0',
    met: oursMs / cliMs <= 1.0,
  });
}

export async function benchLargePut(work: string, mibs: number): Promise<string> {
  const file = path.join(work, `large-${mibs}.txt`);
  writeTextFile(file, mibs << 20, 1000 + mibs);
  const cliMs = await timeIt(() => sh(`sha256sum "$F" > /dev/null; zstd -19 -T1 -q -f "$F" -o "$F.zst"`, { F: file }));
  const zstdSize = fs.statSync(`${file}.zst`).size;
  fs.rmSync(`${file}.zst`);
  const store = new FsBlobStore(path.join(work, `ours-large-${mibs}`));
  let stored = 0;
  const oursMs = await timeIt(async () => {
    stored = (await store.putFile(file)).storedBytes;
  });
  await store.close();
  const ratio = oursMs / cliMs;
  record({
    name: `put one ${mibs} MiB blob`,
    ours: `${ms(oursMs)}, ${mib(stored)} stored`,
    baseline: `${ms(cliMs)}, ${mib(zstdSize)} (sha256sum + zstd -19 -T1)`,
    ratio,
    goal: '<= 0.55',
    met: ratio <= 0.55,
  });
  return file;
}

export async function benchGet(work: string, file: string): Promise<void> {
  const root = path.join(work, 'ours-get');
  const store = new FsBlobStore(root);
  const { hex } = await store.putFile(file);
  const blob = path.join(root, 'blobs', 'sha256', hex.slice(0, 2), `${hex}.zst`);
  const out = path.join(work, 'got.bin');
  const cliMs = await timeIt(() => sh(`zstd -dc "$B" | tee "$O" | sha256sum > /dev/null`, { B: blob, O: out }));
  const oursMs = await timeIt(() => store.getToFile(hex, out));
  await store.close();
  const size = fs.statSync(out).size;
  record({
    name: `get one ${mib(size)} blob (decode + re-hash + write)`,
    ours: ms(oursMs),
    baseline: `${ms(cliMs)} (zstd -dc | tee | sha256sum)`,
    ratio: oursMs / cliMs,
    goal: '<= 1.0',
    met: oursMs / cliMs <= 1.0,
  });
}

export async function benchVerifyAll(work: string, count: number): Promise<void> {
  const root = path.join(work, 'verify-store');
  writeManyBlobs(root, count, 'verify');
  const script = `find "$R/blobs/sha256" -name '*.zst' | xargs -P2 -n 64 bash -c 'for f; do h=$(zstd -dc "$f" | sha256sum | cut -c1-64); [ "$h" = "$(basename "$f" .zst)" ] || echo "BAD $f"; done' _`;
  let cliOut = '';
  const cliMs = await timeIt(() => {
    cliOut = sh(script, { R: root });
  });
  if (cliOut.trim() !== '') {
    throw new Error(`the CLI verify found problems: ${cliOut.slice(0, 200)}`);
  }
  const store = new FsBlobStore(root);
  let checked = 0;
  const oursMs = await timeIt(async () => {
    const summary = await store.verifyAll();
    if (summary.problems.length > 0) {
      throw new Error('our verify found problems in a clean store');
    }
    checked = summary.checked;
  });
  await store.close();
  record({
    name: `verify-all, ${checked} blobs`,
    ours: ms(oursMs),
    baseline: `${ms(cliMs)} (xargs -P2 zstd -dc | sha256sum)`,
    ratio: oursMs / cliMs,
    goal: '<= 1.0',
    met: oursMs / cliMs <= 1.0,
  });
}

/** Peak RSS of a fresh process that puts then gets the file, against the file's own size. */
export function benchPeakMemory(work: string, file: string): void {
  const child = spawnSync(
    process.execPath,
    [path.join(__dirname, 'peakMemory.js'), path.join(work, 'ours-mem'), file],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) {
    throw new Error(`peak memory run failed: ${child.stderr}`);
  }
  const { maxRssBytes, baselineRssBytes } = JSON.parse(child.stdout) as {
    maxRssBytes: number;
    baselineRssBytes: number;
  };
  const size = fs.statSync(file).size;
  record({
    name: `peak memory, put + get of a ${mib(size)} blob`,
    ours: mib(maxRssBytes),
    baseline: `${mib(baselineRssBytes)} (same process before the put)`,
    ratio: maxRssBytes / (256 << 20),
    goal: '< 256 MiB (ratio to 256 MiB < 1)',
    met: maxRssBytes < 256 << 20,
  });
}
