// Guesses what a blob holds from its first decoded bytes: enough for a hover label, a tree icon and the
// language of a blob document. Never used as content: the bytes here are not re-hashed.
import { zstdEngine, type StreamDecoder } from '../store/io/zstdEngine';
import type { ContentKind } from '../../../shared/protocol';

export const SNIFF_BYTES = 4096;
/** Compressed bytes read for a peek: enough for SNIFF_BYTES of any sane blob, and all of most small ones. */
export const COMPRESSED_PEEK = 64 * 1024;

// One decoder, reset before each use: hovers peek at many blobs and a context costs an allocation each.
let peeker: StreamDecoder | undefined;

/**
 * Decodes at most SNIFF_BYTES from the first compressed bytes of a blob (a hover's worth of reading). Returns
 * what it could: a corrupt or truncated start just gives fewer bytes.
 */
export function decodePrefix(compressed: Uint8Array): Buffer {
  const out = Buffer.alloc(SNIFF_BYTES);
  let produced = 0;
  let src = compressed;
  peeker ??= zstdEngine().createDecoder();
  peeker.reset();
  try {
    while (produced < SNIFF_BYTES && src.length > 0) {
      const [, n, consumed] = peeker.decompress(out.subarray(produced), src);
      produced += n;
      src = src.subarray(consumed);
      if (n === 0 && consumed === 0) {
        break;
      }
    }
  } catch {
    // not zstd, or corrupt early: the sniff says what little it saw
  }
  return out.subarray(0, produced);
}

export function sniffContent(head: Uint8Array): ContentKind {
  if (head.length === 0) {
    return 'empty';
  }
  if (!looksLikeText(head)) {
    return 'binary';
  }
  const text = Buffer.from(head).toString('utf8').trimStart();
  if (text.startsWith('{') || text.startsWith('[')) {
    if (
      /"(schema_version|schemaVersion)"\s*:/.test(text) &&
      /application\/vnd\.processfork\.image\.v1\+json/.test(text)
    ) {
      return 'image-manifest';
    }
    if (/"kind"\s*:\s*"fs\.tree\.v1"/.test(text)) {
      return 'fs-tree';
    }
    if (/"pages"\s*:\s*\[/.test(text)) {
      return 'cache-pages';
    }
    const lines = text.split('\n').filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.slice(0, -1).every((l) => /^\s*[{[]/.test(l) && /[}\]]\s*$/.test(l))) {
      return 'jsonl';
    }
    return 'json';
  }
  return 'text';
}

/** No NUL bytes and few control characters in the sample: treat as text (UTF-8 is not validated strictly). */
export function looksLikeText(sample: Uint8Array): boolean {
  let control = 0;
  for (const b of sample) {
    if (b === 0) {
      return false;
    }
    if (b < 9 || (b > 13 && b < 32)) {
      control++;
    }
  }
  return control <= sample.length / 100;
}
