// Deterministic inputs for the benchmarks: text that compresses like source and logs do (about 3-4x at
// level 19), so level-19 speed is representative rather than the best or worst case.
import { createHash, randomFillSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Compressor } from 'zstd-napi';
import { envText, LORA_EMPTY, PROCS_UNSUPPORTED } from '../test/support/pfLayers';
import { writeBlob } from '../test/support/storeFixtures';

const WORDS =
  'agent snapshot fork process store blob digest manifest layer cache page world effect trace message model base diff tree entry path size kind version fingerprint created parent verify'.split(
    ' ',
  );

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `bytes` of JSON-lines-like text from `seed`. */
export function textBytes(bytes: number, seed: number): Buffer {
  const rand = prng(seed);
  const out = Buffer.allocUnsafe(bytes);
  let at = 0;
  let line = 0;
  while (at < bytes) {
    const w = () => WORDS[Math.floor(rand() * WORDS.length)];
    const s = `{"n":${line++},"op":"${w()}","arg":"${w()}-${Math.floor(rand() * 1e6).toString(36)}","note":"${w()} ${w()} ${w()}"}\n`;
    at += out.write(s, at);
  }
  return out;
}

/** Writes a large file in 8 MiB pieces so generating it never holds it whole. */
export function writeTextFile(file: string, bytes: number, seed: number): void {
  const fd = fs.openSync(file, 'w');
  try {
    const piece = 8 << 20;
    for (let at = 0, i = 0; at < bytes; at += piece, i++) {
      fs.writeSync(fd, textBytes(Math.min(piece, bytes - at), seed + i));
    }
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A random (incompressible) blob of `mib` MiB in the store, written at level 1 so the fixture takes a second, not
 * a minute: a transfer moves stored bytes whatever level made them. Returns its digest (hex).
 */
export function writeIncompressibleBlob(root: string, mib: number): string {
  const raw = randomFillSync(Buffer.alloc(mib << 20));
  const hex = createHash('sha256').update(raw).digest('hex');
  const fast = new Compressor();
  fast.setParameters({ compressionLevel: 1 });
  const file = path.join(root, 'blobs', 'sha256', hex.slice(0, 2), `${hex}.zst`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, fast.compress(raw));
  return hex;
}

/** The layers every snapshot of a generated lineage shares (pf's defaults for a CLI snapshot), written once. */
export function sharedLayers(root: string, env: Record<string, string> = { HOME: '/home/dev' }) {
  return {
    base: writeBlob(root, 'base:claude-code', { fast: true }),
    diff: writeBlob(root, LORA_EMPTY, { fast: true }),
    cachePages: writeBlob(root, JSON.stringify({ pages: [] }), { fast: true }),
    fs: writeBlob(root, JSON.stringify({ kind: 'fs.tree.v1', entries: [] }), { fast: true }),
    env: writeBlob(root, envText(env), { fast: true }),
    procs: writeBlob(root, PROCS_UNSUPPORTED, { fast: true }),
  };
}
