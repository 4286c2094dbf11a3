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
      // file://: against cp -r of the same stored files.
      const dir = path.join(work, `folder-${small}-${big}`);
      const pushMs = await timeIt(() => pushTo(store, hex, parseRemote(`file://${dir}/img`)));
      const cpMs = await timeIt(() => sh('mkdir -p "$D" && cp -r "$S/blobs" "$D/"', { S: root, D: `${dir}-cp` }));
      // A durable copy: the same, then one file-system sync of the target (what a push promises).
      const syncedMs = await timeIt(() =>
        sh('mkdir -p "$D" && cp -r "$S/blobs" "$D/" && sync -f "$D"', { S: root, D: `${dir}-cp-synced` }),
      );
      record({
        name: `file:// push, ${what}`,
        ours: ms(pushMs),
        baseline: `${ms(cpMs)} (cp -r)`,
        ratio: pushMs / cpMs,
        goal: '<= 3.0',
        met: pushMs / cpMs <= 3,
      });
      record({
        name: `file:// push, ${what}, against a durable copy`,
        ours: ms(pushMs),
        baseline: `${ms(syncedMs)} (cp -r, then sync -f of the target)`,
        ratio: pushMs / syncedMs,
      });
      const target = new FsBlobStore(path.join(work, `pulled-file-${small}-${big}`));
      const pullMs = await timeIt(() => pullFrom(target, parseRemote(`file://${dir}/img`)));
      await target.close();
      const cpBackMs = await timeIt(() =>
        sh('mkdir -p "$D" && cp -r "$S/blobs" "$D/"', { S: `${dir}-cp`, D: `${dir}-back` }),
      );
      record({
        name: `file:// pull, ${what}`,
        ours: `${ms(pullMs)} (decode + re-hash each, made durable)`,
        baseline: `${ms(cpBackMs)} (cp -r, no checks)`,
        ratio: pullMs / cpBackMs,
        goal: '<= 3.0',
        met: pullMs / cpBackMs <= 3,
      });
      // s3:// on moto_server: against boto3 moving the same objects.
      if (!motoAvailable()) {
        process.stderr.write('moto_server is not installed: the s3:// benchmark is skipped\n');
        continue;
      }
      const server = await startMoto();
      await withServerEnv(server, async () => {
        boto3(server, `s3.create_bucket(Bucket='bench')`);
        const s3PushMs = await timeIt(() => pushTo(store, hex, parseRemote('s3://bench/ours')));
        const move = (script: string) => {
          const t0 = process.hrtime.bigint();
          boto3(server, script, [root]);
          return Number(process.hrtime.bigint() - t0) / 1e6;
        };
        const boto3PushMs = move(`
import pathlib
base = pathlib.Path(sys.argv[1])
for f in sorted(base.glob('blobs/sha256/*/*.zst')):
    s3.upload_file(str(f), 'bench', 'theirs/' + str(f.relative_to(base)))`);
        record({
          name: `s3:// push to moto_server, ${what}`,
          ours: ms(s3PushMs),
          baseline: `${ms(boto3PushMs)} (boto3 upload_file each, one after another)`,
          ratio: s3PushMs / boto3PushMs,
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
