// Registry throughput (issue 5): our push and pull against plain curl uploads and downloads of the same
// layer bytes, each against a fresh docker-registry on loopback, in the same run.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseOciRef } from '../server/src/oci/ociRef';
import { pullImage } from '../server/src/oci/pull';
import { TRANSFER_CONCURRENCY } from '../shared/common/inFlight';
import { pushImage } from '../server/src/oci/push';
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';
import { registryAvailable, startRegistry } from '../test/support/registry';
import { blobFile, writeImage, writeManyBlobs } from '../test/support/storeFixtures';
import { writePfImage } from '../test/support/pfLayers';
import { writeIncompressibleBlob } from './benchData';
import { mib, ms, record } from './report';
import { sh, timeIt } from './timing';

/** A named image in pf's shapes whose fs tree names the small blobs, or whose model base is one big blob. */
function makeImage(root: string, small: string[], big?: string): string {
  const tree = JSON.stringify({
    kind: 'fs.tree.v1',
    entries: small.map((h, i) => ({ path: `f/${i}`, mode: '0644', size: 1, kind: 'file', blob: `sha256:${h}` })),
  });
  const image = writePfImage(root, { name: `bench-${small.length}`, createdAt: '2026-12-03T10:00:00Z', fs: tree });
  if (!big) {
    return image.hex;
  }
  // The big blob as the model base (a base model's weights are the large blob of a real snapshot).
  return writeImage(root, {
    ...image.layers,
    base: big,
    createdAt: '2026-12-03T10:00:00Z',
    agent: { kind: 'claude-code', version: '1.0.15', fingerprint: 'bench-big' },
  }).hex;
}

/** Layer files of an image's closure as they sit in the store (the bytes both sides send). */
function layerFiles(root: string, hexes: string[]): string[] {
  return hexes.map((h) => blobFile(root, h));
}

async function curlPush(url: string, repo: string, files: string[]): Promise<number> {
  const list = path.join(path.dirname(files[0]), '..', '..', '..', '..', `curl-push-${Date.now()}.txt`);
  fs.writeFileSync(
    list,
    files.map((f) => `${f} sha256:${createHash('sha256').update(fs.readFileSync(f)).digest('hex')}`).join('\n') + '\n',
  );
  const script = `while read -r f d; do loc=$(curl -s -o /dev/null -D - -X POST "$U/v2/$R/blobs/uploads/" | tr -d '\\r' | awk 'tolower($1)=="location:"{print $2}'); case "$loc" in http*) ;; *) loc="$U$loc";; esac; curl -s -o /dev/null -X PUT -H 'Content-Type: application/octet-stream' --data-binary "@$f" "$loc&digest=$d"; done < "$L"`;
  const t = await timeIt(() => sh(script, { U: url, R: repo, L: list }));
  fs.rmSync(list);
  return t;
}

async function curlPull(url: string, repo: string, files: string[], out: string): Promise<number> {
  fs.mkdirSync(out, { recursive: true });
  const list = path.join(out, 'digests.txt');
  fs.writeFileSync(
    list,
    files.map((f) => `sha256:${createHash('sha256').update(fs.readFileSync(f)).digest('hex')}`).join('\n') + '\n',
  );
  return timeIt(() =>
    sh(`while read -r d; do curl -s -o "$O/\${d#sha256:}" "$U/v2/$R/blobs/$d"; done < "$L"`, {
      U: url,
      R: repo,
      L: list,
      O: out,
    }),
  );
}

export async function benchRegistry(work: string, smallCount: number, bigMib: number): Promise<void> {
  if (!registryAvailable()) {
    process.stderr.write('docker-registry is not installed: registry benchmark skipped\n');
    return;
  }
  const root = path.join(work, 'registry-store');
  const small = writeManyBlobs(root, smallCount, 'registry-bench');
  const smallImage = makeImage(root, small);
  const bigHex = writeIncompressibleBlob(root, bigMib);
  const bigImage = makeImage(root, [], bigHex);
  const store = new FsBlobStore(root);
  try {
    for (const [label, image, files] of [
      [`${smallCount} small blobs`, smallImage, layerFiles(root, small)],
      [
        `one ${bigMib} MiB blob (${mib(fs.statSync(blobFile(root, bigHex)).size)} stored)`,
        bigImage,
        layerFiles(root, [bigHex]),
      ],
    ] as const) {
      const ours = await startRegistry();
      const theirs = await startRegistry();
      try {
        const pushMs = await timeIt(() => pushImage(store, image, parseOciRef(`oci://${ours.host}/bench/img:v1`)));
        const curlPushMs = await curlPush(theirs.url, 'bench/raw', [...files]);
        record({
          name: `registry push, ${label}`,
          ours: ms(pushMs),
          baseline: `${ms(curlPushMs)} (curl POST+PUT per layer)`,
          ratio: pushMs / curlPushMs,
        });
        const target = new FsBlobStore(path.join(work, `pulled-${image.slice(0, 8)}`));
        const pullMs = await timeIt(() => pullImage(target, parseOciRef(`oci://${ours.host}/bench/img:v1`)));
        await target.close();
        const curlPullMs = await curlPull(
          theirs.url,
          'bench/raw',
          [...files],
          path.join(work, `curl-pull-${image.slice(0, 8)}`),
        );
        record({
          name: `registry pull, ${label}`,
          ours: `${ms(pullMs)} (2 hash checks + decode per layer)`,
          baseline: `${ms(curlPullMs)} (curl GET per layer, no checks)`,
          ratio: pullMs / curlPullMs,
        });
      } finally {
        await ours.stop();
        await theirs.stop();
      }
    }
  } finally {
    await store.close();
  }
}

/**
 * Push and pull of an image of `count` small blobs (KV-cache pages, source files), with uploads and downloads
 * kept in flight (TRANSFER_CONCURRENCY) against the same transfer one request at a time, each against a fresh
 * docker-registry on loopback, in the same run.
 */
export async function benchRegistryConcurrency(work: string, count: number): Promise<void> {
  if (!registryAvailable()) {
    return;
  }
  const root = path.join(work, 'registry-many');
  const image = makeImage(root, writeManyBlobs(root, count, 'registry-many'));
  const store = new FsBlobStore(root);
  const label = `${count.toLocaleString('en-US')} small blobs`;
  try {
    const timings: Record<string, { push: number; pull: number }> = {};
    for (const [name, concurrency] of [
      ['sequential', 1],
      ['concurrent', TRANSFER_CONCURRENCY],
    ] as const) {
      const registry = await startRegistry();
      try {
        const ref = parseOciRef(`oci://${registry.host}/bench/many:v1`);
        const push = await timeIt(() => pushImage(store, image, ref, { concurrency }));
        const target = new FsBlobStore(path.join(work, `many-pulled-${name}`));
        const pull = await timeIt(() => pullImage(target, ref, { concurrency }));
        await target.close();
        timings[name] = { push, pull };
      } finally {
        await registry.stop();
      }
    }
    const { sequential, concurrent } = timings;
    record({
      name: `registry push, ${label}, ${TRANSFER_CONCURRENCY} uploads in flight`,
      ours: ms(concurrent.push),
      baseline: `${ms(sequential.push)} (one upload at a time)`,
      ratio: concurrent.push / sequential.push,
      goal: '< 1.0',
      met: concurrent.push < sequential.push,
    });
    record({
      name: `registry pull, ${label}, ${TRANSFER_CONCURRENCY} downloads in flight`,
      ours: ms(concurrent.pull),
      baseline: `${ms(sequential.pull)} (one download at a time)`,
      ratio: concurrent.pull / sequential.pull,
      goal: '< 1.0',
      met: concurrent.pull < sequential.pull,
    });
  } finally {
    await store.close();
  }
}
