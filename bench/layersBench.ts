// Snapshot layers at real sizes: the effects-ledger chains of many images (one SHA-256 and one HMAC per entry,
// on the workers) against the floor of one SHA-256 per ledger line over the same bytes in the same run; and the
// first page of a 1,000,000-line conversation against decoding the same trace whole.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { FsBlobStore } from '../server/src/store/blobs/fsBlobStore';
import { listImages } from '../server/src/store/images/imageCatalog';
import { checkImages } from '../server/src/store/layers/snapshot/imageChecks';
import { readTrace, readTracePreview } from '../server/src/store/layers/readLayers';
import { entry, ledgerText, traceText, writePfImage } from '../test/support/pfLayers';
import { writeBlob } from '../test/support/storeFixtures';
import { ms, mib, record } from './report';
import { medianMs, timeIt } from './timing';

export async function benchLedgers(work: string, images: number, entries: number): Promise<void> {
  const root = path.join(work, 'ledger-store');
  const secret = '5e'.repeat(32);
  const texts: string[] = [];
  for (let i = 0; i < images; i++) {
    // Nine-digit fractions that end in a non-zero digit: pf's canonical form keeps all nine (trailing zeros would
    // be printed shorter, and a ledger signed over the longer form is, rightly, bad).
    const calls = Array.from({ length: entries }, (_, j) => ({
      ...entry(j, `tool_${j % 17}`),
      ts: `2026-11-20T09:14:03.${String(100_000_001 + (i * entries + j) * 10).slice(-9)}Z`, // last digit 1: canonical
    }));
    const text = ledgerText(calls, { secretHex: secret });
    texts.push(text);
    writePfImage(root, {
      name: `img-${i}`,
      createdAt: `2026-11-20T10:00:00.${String(i).padStart(6, '0')}Z`,
      ledger: text,
    });
  }
  const lines = texts.flatMap((t) => t.split('\n'));
  const floorMs = await medianMs(3, () => {
    for (const line of lines) {
      createHash('sha256').update(line).digest('hex');
    }
  });
  const store = new FsBlobStore(root);
  const catalog = await listImages(root);
  let ok = 0;
  const before = process.memoryUsage().rss;
  const oursMs = await medianMs(3, async () => {
    ok = (await checkImages(store, catalog)).ledgers.filter((l) => l.verdict === 'ok').length;
  });
  const grew = process.memoryUsage().rss - before;
  await store.close();
  if (ok !== images) {
    throw new Error(`only ${ok} of ${images} ledgers verified`);
  }
  record({
    name: `ledger chains, ${images} images x ${entries} entries (+ env/procs secrets scan)`,
    ours: `${ms(oursMs)} (RSS +${mib(Math.max(0, grew))})`,
    baseline: `${ms(floorMs)} (one sha256 per line, main thread)`,
    ratio: oursMs / floorMs,
    goal: '<= 1.5',
    met: oursMs / floorMs <= 1.5,
  });
}

export async function benchLongTrace(work: string, messages: number): Promise<void> {
  const root = path.join(work, 'trace-store');
  const text = traceText(
    Array.from({ length: messages }, (_, i) => ({
      role: i % 2 ? 'assistant' : 'user',
      content: `message ${i}: ${'x'.repeat(60)}`,
    })),
  );
  const hex = writeBlob(root, text, { fast: true });
  const store = new FsBlobStore(root);
  const wholeMs = await timeIt(() => store.get(hex));
  let first = 0;
  const previewMs = await timeIt(async () => {
    const r = await readTracePreview(store, hex, { take: 20 });
    first = 'page' in r && r.preview ? r.page.length : 0;
  });
  let count = 0;
  const pageMs = await timeIt(async () => {
    const r = await readTrace(store, hex, { take: 20 });
    count = 'messages' in r ? r.messages : 0;
  });
  await store.close();
  if (count !== messages || first !== 20) {
    throw new Error(`counted ${count} of ${messages} messages, previewed ${first} of 20`);
  }
  const what = `${messages.toLocaleString('en-US')} messages (${mib(text.length)})`;
  record({
    name: `conversation first page painted (from the trace's first bytes), ${what}`,
    ours: ms(previewMs),
    baseline: `${ms(wholeMs)} (decode the trace whole)`,
    ratio: previewMs / wholeMs,
    goal: '< 200 ms',
    met: previewMs < 200,
  });
  record({
    name: `conversation checked and counted whole, first page kept, ${what}`,
    ours: ms(pageMs),
    baseline: `${ms(wholeMs)} (decode the trace whole)`,
    ratio: pageMs / wholeMs,
    goal: '<= 2.0 (hash and count every line beside the decode)',
    met: pageMs / wholeMs <= 2.0,
  });
}
