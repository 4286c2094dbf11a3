// The reference graph at scale (issue 11): 1,000 images whose cache page manifests name 1,000,000 distinct
// page blobs between them (500 pages of k and v each). The page blobs themselves need not exist: the graph
// reads only manifests. Baseline: the same child process's RSS before it builds anything.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { writeBlob, writeImage } from '../test/support/storeFixtures';
import { mib, ms, record } from './report';

const hexOf = (s: string) => createHash('sha256').update(s).digest('hex');

export async function benchGraph(work: string, images: number, pagesPerImage: number): Promise<void> {
  const root = path.join(work, 'graph-store');
  const shared = writeBlob(root, 'shared env\n');
  const samples: string[] = [];
  for (let i = 0; i < images; i++) {
    const pages = Array.from({ length: pagesPerImage }, (_, p) => ({
      k: `sha256:${hexOf(`k ${i} ${p}`)}`,
      v: `sha256:${hexOf(`v ${i} ${p}`)}`,
    }));
    if (i % 10 === 0) {
      samples.push(pages[i % pagesPerImage].v.slice(7));
    }
    const cachePages = writeBlob(root, JSON.stringify({ pages }));
    const fs = writeBlob(
      root,
      JSON.stringify({ kind: 'fs.tree.v1', entries: [{ path: `f${i}`, size: 1, blob: `sha256:${shared}` }] }),
    );
    writeImage(root, {
      base: shared,
      diff: shared,
      cachePages,
      fs,
      env: shared,
      procs: shared,
      ledger: shared,
      messages: shared,
      createdAt: `2026-11-20T09:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}Z`,
    });
  }
  samples.push(shared); // the worst case: named by every image, top level and in every tree
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'graphChild.js'), root, ...samples], {
    maxBuffer: 1 << 26,
  });
  const r = JSON.parse(out.toString()) as {
    buildMs: number;
    rssBefore: number;
    rssAfter: number;
    heapUsed: number;
    maxRss: number;
    p50: number;
    p99: number;
  };
  const refs = images * pagesPerImage * 2;
  record({
    name: `reference graph of ${images} images / ${refs.toLocaleString('en-US')} page blobs: build`,
    ours: ms(r.buildMs),
    baseline: '',
  });
  record({
    name: 'reference graph: memory (RSS after the build)',
    ours: mib(r.rssAfter),
    baseline: `${mib(r.rssBefore)} (same process before)`,
    ratio: r.rssAfter / r.rssBefore,
    goal: '< 200 MiB',
    met: r.rssAfter < 200 << 20,
  });
  record({
    name: 'reference graph: V8 heap in use after the build (what the graph itself holds)',
    ours: mib(r.heapUsed),
    baseline: '',
  });
  record({
    name: `reference graph: where used, p99 of ${samples.length} lookups`,
    ours: ms(r.p99),
    baseline: `${ms(r.p50)} (median)`,
    goal: '< 10 ms',
    met: r.p99 < 10,
  });
}
