// `npm run bench`: every benchmark, each against a baseline measured in the same run, printed as a table.
// BENCH_LARGE_MIB (default 256) sets the big blob; BENCH_QUICK=1 shrinks everything for a smoke run.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { benchEditor } from './editorBench';
import { benchDiff } from './diffBench';
import { benchGraph } from './graphBench';
import { benchPfcore } from './pfcoreBench';
import { benchServer } from './serverBench';
import { benchRegistry, benchRegistryConcurrency } from './registryBench';
import { benchGet, benchLargePut, benchPeakMemory, benchSmallPuts, benchVerifyAll } from './storeBench';
import { table } from './report';
import { benchEngines } from './engineBench';
import { benchLedgers, benchLongTrace } from './layersBench';
import { benchObjectRegistries } from './objectRegistryBench';
import { benchEffects } from './effectsBench';
import { benchSearch } from './searchBench';

async function main(): Promise<void> {
  const quick = process.env.BENCH_QUICK === '1';
  const large = Number(process.env.BENCH_LARGE_MIB ?? (quick ? 32 : 256));
  const only = process.env.BENCH_ONLY?.split(',');
  const want = (name: string) => !only || only.includes(name);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pf-bench-'));
  process.stderr.write(`benchmark work dir ${work}; ${os.cpus().length} cores, node ${process.version}\n`);
  try {
    if (want('small')) {
      await benchSmallPuts(work);
    }
    if (want('large')) {
      const mid = await benchLargePut(work, 16);
      if (want('get')) {
        await benchGet(work, mid);
      }
      const big = await benchLargePut(work, large);
      if (want('memory')) {
        benchPeakMemory(work, big);
      }
    }
    if (want('verify')) {
      await benchVerifyAll(work, quick ? 2000 : 10_000);
    }
    if (want('pfcore')) {
      await benchPfcore(work, { blobs: quick ? 2000 : 10_000, smallFiles: quick ? 50 : 200, largeMib: quick ? 8 : 64 });
    }
    if (want('engine')) {
      benchEngines(work, { smallFiles: quick ? 50 : 200, largeMib: quick ? 8 : 64, blobs: quick ? 2000 : 10_000 });
    }
    if (want('layers')) {
      await benchLedgers(work, quick ? 100 : 1000, quick ? 100 : 1000);
      await benchLongTrace(work, quick ? 100_000 : 1_000_000);
    }
    if (want('effects')) {
      await benchEffects(work, quick ? 1000 : 10_000, quick ? 100_000 : 1_000_000);
    }
    if (want('search')) {
      await benchSearch(work, quick ? 1000 : 10_000, quick ? 100_000 : 1_000_000, quick ? 100_000 : 1_000_000);
      await benchSearch(work, 100, 10_000, 10_000);
    }
    if (want('diff')) {
      await benchDiff(work, quick ? 1000 : 10_000, quick ? 10_000 : 100_000);
    }
    if (want('graph')) {
      await benchGraph(work, quick ? 100 : 1000, quick ? 100 : 500);
    }
    if (want('server')) {
      // A million blobs: KV-cache pages make such stores ordinary.
      await benchServer(work, quick ? 20_000 : Number(process.env.BENCH_SERVER_BLOBS ?? 1_000_000));
    }
    if (want('editor')) {
      await benchEditor(work, quick ? 20_000 : 100_000);
    }
    if (want('objects')) {
      await benchObjectRegistries(work, quick ? 200 : 1000, quick ? 32 : large);
    }
    if (want('registry')) {
      await benchRegistry(work, quick ? 200 : 1000, quick ? 32 : large);
      await benchRegistryConcurrency(work, quick ? 1000 : 10_000);
    }
  } finally {
    if (!process.env.BENCH_KEEP) {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
  process.stdout.write(`\n${table()}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
