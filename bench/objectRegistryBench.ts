// file:// and s3:// registries (issue 28): our push and pull of an image of many small blobs and of one large
// blob, against the plain copy of the same stored files in the same run: `cp -r` for a folder, boto3 (what pf
// itself moves objects with, one after another) for moto_server on loopback.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRemote } from '../server/src/remotes/remoteRef';
import { pullFrom, pushTo } from '../server/src/remotes/remotes';
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';
import { fsTreeText, writePfImage } from '../test/support/pfLayers';
import { boto3, motoAvailable, startMoto, withServerEnv } from '../test/support/motoServer';
import { writeIncompressibleBlob } from './benchData';
import { mib, ms, record } from './report';
import { sh, timeIt } from './timing';

/** A store holding one named image: its fs tree names `count` small files, or one large file. */
function makeStore(root: string, small: number, bigMib: number): { hex: string; files: string[] } {
  let tree: string;
  if (bigMib > 0) {
    const hex = writeIncompressibleBlob(root, bigMib);
    tree = JSON.stringify({
      kind: 'fs.tree.v1',
      entries: [{ path: 'data/weights.bin', mode: '0644', size: bigMib << 20, kind: 'file', blob: `sha256:${hex}` }],
    });
  } else {
    tree = fsTreeText(
      root,
      Array.from({ length: small }, (_, i) => ({ path: `src/f${i}.py`, kind: 'file' as const, content: `# ${i}\n` })),
    );
  }
  const { hex } = writePfImage(root, { name: 'bench', createdAt: '2026-12-03T10:00:00Z', fs: tree });
  const files = (fs.readdirSync(path.join(root, 'blobs'), { recursive: true }) as string[]).filter((f) =>
    f.endsWith('.zst'),
  );
  return { hex, files };
}

/** Pairs of (ours, cp -r) taken for each file:// figure. */
const FILE_ROUNDS = 5;
/** Pairs of (ours, boto3) taken for each s3:// push. */
const S3_ROUNDS = 3;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

export async function benchObjectRegistries(work: string, smallCount: number, bigMib: number): Promise<void> {
  for (const [label, small, big] of [
    [`${smallCount} small blobs`, smallCount, 0],
    [`one ${bigMib} MiB blob`, 0, bigMib],
  ] as const) {
    const root = path.join(work, `objects-${small}-${big}`);
    const { hex, files } = makeStore(root, small, big);
    const store = new FsBlobStore(root);
    const what = `${label} (${files.length} objects, ${mib(files.reduce((n, f) => n + fs.statSync(path.join(root, 'blobs', f)).size, 0))} stored)`;
    try {
      // file://: against cp -r of the same stored files, pair by pair (this disk's speed drifts by a factor of
      // four within minutes: a pair taken together keeps the ratio meaningful), median of FILE_ROUNDS pairs.
      const dir = path.join(work, `folder-${small}-${big}`);
      const rounds: Array<{ push: number; cp: number; synced: number; pull: number; cpBack: number }> = [];
      for (let k = 0; k < FILE_ROUNDS; k++) {
        const round = `${dir}-${k}`;
        const fresh = new FsBlobStore(root); // as a new pfstore process: its workers start with the push
        const pushMs = await timeIt(() => pushTo(fresh, hex, parseRemote(`file://${round}/img`)));
        await fresh.close();
        const cpMs = await timeIt(() => sh('mkdir -p "$D" && cp -r "$S/blobs" "$D/"', { S: root, D: `${round}-cp` }));
        // A durable copy: the same, then one file-system sync of the target (what a push promises).
        const syncedMs = await timeIt(() =>
          sh('mkdir -p "$D" && cp -r "$S/blobs" "$D/" && sync -f "$D"', { S: root, D: `${round}-cp-synced` }),
        );
        const target = new FsBlobStore(`${round}-pulled`);
        const pullMs = await timeIt(() => pullFrom(target, parseRemote(`file://${round}/img`)));
        await target.close();
        const cpBackMs = await timeIt(() =>
          sh('mkdir -p "$D" && cp -r "$S/blobs" "$D/"', { S: `${round}-cp`, D: `${round}-back` }),
        );
        rounds.push({ push: pushMs, cp: cpMs, synced: syncedMs, pull: pullMs, cpBack: cpBackMs });
        for (const d of ['', '-cp', '-cp-synced', '-pulled', '-back']) {
          fs.rmSync(`${round}${d}`, { recursive: true, force: true }); // a 256 MiB round is 1.3 GB on disk
        }
      }
      const pushRatio = median(rounds.map((r) => r.push / r.cp));
      const pullRatio = median(rounds.map((r) => r.pull / r.cpBack));
      const of = (pick: (r: (typeof rounds)[number]) => number) => ms(median(rounds.map(pick)));
      const pairs = `median of ${FILE_ROUNDS} pairs`;
      record({
        name: `file:// push, ${what}`,
        ours: `${of((r) => r.push)} (${pairs})`,
        baseline: `${of((r) => r.cp)} (cp -r)`,
        ratio: pushRatio,
        goal: '<= 3.0',
        met: pushRatio <= 3,
      });
      record({
        name: `file:// push, ${what}, against a durable copy`,
        ours: `${of((r) => r.push)} (${pairs})`,
        baseline: `${of((r) => r.synced)} (cp -r, then sync -f of the target)`,
        ratio: median(rounds.map((r) => r.push / r.synced)),
      });
      record({
        name: `file:// pull, ${what}`,
        ours: `${of((r) => r.pull)} (decode + re-hash each, made durable; ${pairs})`,
        baseline: `${of((r) => r.cpBack)} (cp -r, no checks)`,
        ratio: pullRatio,
        goal: '<= 3.0',
        met: pullRatio <= 3,
      });
      // s3:// on moto_server: against boto3 moving the same objects.
      if (!motoAvailable()) {
        process.stderr.write('moto_server is not installed: the s3:// benchmark is skipped\n');
        continue;
      }
      const server = await startMoto();
      await withServerEnv(server, async () => {
        boto3(server, `s3.create_bucket(Bucket='bench')`);
        const move = (script: string, args: string[] = []) => {
          const t0 = process.hrtime.bigint();
          boto3(server, script, [root, ...args]);
          return Number(process.hrtime.bigint() - t0) / 1e6;
        };
        // Pairs again (moto's own pace varies by half between runs): each round to prefixes of its own, so
        // nothing is skipped as already there; the first round's objects are what the pulls below read.
        const pushRounds: Array<{ ours: number; theirs: number }> = [];
        for (let k = 0; k < S3_ROUNDS; k++) {
          const suffix = k === 0 ? '' : `-${k}`;
          const ours = await timeIt(() => pushTo(store, hex, parseRemote(`s3://bench/ours${suffix}`)));
          const theirs = move(
            `
import pathlib
base = pathlib.Path(sys.argv[1])
for f in sorted(base.glob('blobs/sha256/*/*.zst')):
    s3.upload_file(str(f), 'bench', sys.argv[2] + '/' + str(f.relative_to(base)))`,
            [`theirs${suffix}`],
          );
          pushRounds.push({ ours, theirs });
        }
        const s3PushRatio = median(pushRounds.map((r) => r.ours / r.theirs));
        record({
          name: `s3:// push to moto_server, ${what}`,
          ours: `${ms(median(pushRounds.map((r) => r.ours)))} (median of ${S3_ROUNDS} pairs)`,
          baseline: `${ms(median(pushRounds.map((r) => r.theirs)))} (boto3 upload_file each, one after another)`,
          ratio: s3PushRatio,
          ...(big > 0 ? { goal: '<= 1.0', met: s3PushRatio <= 1 } : {}),
        });
        const pulled = new FsBlobStore(path.join(work, `pulled-s3-${small}-${big}`));
        const s3PullMs = await timeIt(() => pullFrom(pulled, parseRemote('s3://bench/ours')));
        await pulled.close();
        const boto3PullMs = move(`
import os, pathlib
out = pathlib.Path(sys.argv[1] + '-boto3')
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='bench', Prefix='theirs/'):
    for o in page.get('Contents', []):
        dest = out / o['Key']
        dest.parent.mkdir(parents=True, exist_ok=True)
        s3.download_file('bench', o['Key'], str(dest))`);
        record({
          name: `s3:// pull from moto_server, ${what}`,
          ours: `${ms(s3PullMs)} (decode + re-hash each)`,
          baseline: `${ms(boto3PullMs)} (boto3 list + download_file each, no checks)`,
          ratio: s3PullMs / boto3PullMs,
        });
      }).finally(() => server.stop());
    } finally {
      await store.close();
    }
  }
}
