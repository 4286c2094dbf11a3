// Guesses what a blob holds from its first decoded bytes: enough for a hover label, a tree icon and the
// language of a blob document. Never used as content: the bytes here are not re-hashed.
import * as fs from 'node:fs/promises';
import { DCtx } from 'zstd-napi/binding';
import type { ContentKind } from '../../shared/protocol';

export const SNIFF_BYTES = 4096;
const COMPRESSED_PEEK = 64 * 1024;

/** Decodes at most SNIFF_BYTES from the start of a blob file (cheap: one small read, one partial decode). */
export async function peekDecoded(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const input = Buffer.alloc(COMPRESSED_PEEK);
    const { bytesRead } = await handle.read(input, 0, COMPRESSED_PEEK, 0);
    const out = Buffer.alloc(SNIFF_BYTES);
    let produced = 0;
    let src = input.subarray(0, bytesRead);
    const dctx = new DCtx();
    while (produced < SNIFF_BYTES && src.length > 0) {
      const [, n, consumed] = dctx.decompressStream(out.subarray(produced), src);
      produced += n;
      src = src.subarray(consumed);
      if (n === 0 && consumed === 0) break;
    }
    return out.subarray(0, produced);
  } finally {
    await handle.close();
  }
}

export function sniffContent(head: Uint8Array): ContentKind {
  if (head.length === 0) return 'empty';
  if (!looksLikeText(head)) return 'binary';
  const text = Buffer.from(head).toString('utf8').trimStart();
  if (text.startsWith('{') || text.startsWith('[')) {
    if (/"(schema_version|schemaVersion)"\s*:/.test(text) && /application\/vnd\.processfork\.image\.v1\+json/.test(text)) return 'image-manifest';
    if (/"kind"\s*:\s*"fs\.tree\.v1"/.test(text)) return 'fs-tree';
    if (/"pages"\s*:\s*\[/.test(text)) return 'cache-pages';
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.slice(0, -1).every((l) => /^\s*[{[]/.test(l) && /[}\]]\s*$/.test(l))) return 'jsonl';
    return 'json';
  }
  return 'text';
}

/** No NUL bytes and few control characters in the sample: treat as text (UTF-8 is not validated strictly). */
export function looksLikeText(sample: Uint8Array): boolean {
  let control = 0;
  for (const b of sample) {
    if (b === 0) return false;
    if (b < 9 || (b > 13 && b < 32)) control++;
  }
  return control <= sample.length / 100;
}
