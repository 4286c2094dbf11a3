// The WebAssembly zstd engine against the native one, as whole `pfstore` commands on the same data in the same
// run (PFSTORE_ZSTD picks the engine): put many small files, put one large file, verify-all of a store in
// pf-core's frame shape. The goal is the universal package within 1.5x of the linux-x64 one.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from '../test/support/serverProcess';
import { writePfcoreBlob } from '../test/support/storeFixtures';
import { textBytes, writeTextFile } from './benchData';
import { ms, record } from './report';

const CLI = path.join(REPO, 'dist', 'cli.js');

/** Median wall time of `runs` runs of pfstore with the engine (`args` gets the run number, for a fresh store). */
function timeCli(engine: string, args: (run: number) => string[], runs = 3): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, [CLI, ...args(i)], {
      env: { ...process.env, PFSTORE_ZSTD: engine },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) {
      throw new Error(`pfstore ${args(i).join(' ')} with the ${engine} engine failed: ${r.stderr}`);
    }
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

export function benchEngines(work: string, opts: { smallFiles: number; largeMib: number; blobs: number }): void {
  const dir = path.join(work, 'engines');
  const small = Array.from({ length: opts.smallFiles }, (_, i) => {
    const file = path.join(dir, 'small', `f${i}.txt`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, textBytes(200 + ((i * 389) % 3800), 9000 + i));
    return file;
  });
  const large = path.join(dir, 'large.txt');
  writeTextFile(large, opts.largeMib << 20, 4242);
  const verifyStore = path.join(dir, 'verify-store');
  for (let i = 0; i < opts.blobs; i++) {
    writePfcoreBlob(verifyStore, textBytes(200 + ((i * 389) % 3800), 11000 + i));
  }
  const rows: Array<[string, (engine: string) => number]> = [
    [
      `put ${opts.smallFiles} small files (0.2-4 KiB), one process`,
      (engine) => timeCli(engine, (run) => ['--store', path.join(dir, `s-${engine}-${run}`), 'put', ...small]),
    ],
    [
      `put one ${opts.largeMib} MiB file`,
      (engine) => timeCli(engine, (run) => ['--store', path.join(dir, `l-${engine}-${run}`), 'put', large], 1),
    ],
    [
      `verify-all, ${opts.blobs.toLocaleString('en-US')} pf-core-shaped blobs`,
      (engine) => timeCli(engine, () => ['--store', verifyStore, 'verify']),
    ],
  ];
  for (const [name, run] of rows) {
    const native = run('native');
    const wasm = run('wasm');
    record({
      name: `WASM engine: ${name}`,
      ours: ms(wasm),
      baseline: `${ms(native)} (native engine)`,
      ratio: wasm / native,
      goal: '<= 1.5',
      met: wasm / native <= 1.5,
    });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}
