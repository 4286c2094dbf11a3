// Builds stores on disk the way pf-core lays them out, independently of the store code under test:
// zstd level 19 through zstd-napi directly, file names from node:crypto, manifests in serde's compact form.
import './testEnv';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Compressor } from 'zstd-napi';
import { CCtx, CParameter, EndDirective, compressBound } from 'zstd-napi/binding';
import { entry, envText, ledgerText, PROCS_UNSUPPORTED } from './pfLayerText';
import { writerOrigin } from '../../server/src/store/blobs/writerOrigin';

const compressor = new Compressor();
compressor.setParameters({ compressionLevel: 19 });

const streamingCctx = new CCtx();
streamingCctx.setParameter(CParameter.compressionLevel, 19);

/**
 * A frame shaped as pf-core writes it: its encoder streams without a pledged size, so the header records no
 * content size and no checksum and declares an 8 MiB window (descriptor byte 0x00, window byte 0x68), like
 * `zstd -19 --no-check` reading standard input. Here: feed the input with `continue`, then finish with `end`.
 */
export function pfcoreFrame(data: Uint8Array): Buffer {
  const out = Buffer.alloc(compressBound(data.length) + 1024);
  let produced = 0;
  let [, written, consumed] = streamingCctx.compressStream2(out, data, EndDirective.continue);
  produced += written;
  let rest = data.subarray(consumed);
  for (;;) {
    let remaining: number;
    [remaining, written, consumed] = streamingCctx.compressStream2(out.subarray(produced), rest, EndDirective.end);
    produced += written;
    rest = rest.subarray(consumed);
    if (remaining === 0) {
      break;
    }
  }
  return Buffer.from(out.subarray(0, produced));
}

/** Writes one blob as pf-core would (see pfcoreFrame) and returns its hex digest. */
export function writePfcoreBlob(root: string, data: Uint8Array | string): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const hex = sha256Hex(bytes);
  const file = blobFile(root, hex);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, pfcoreFrame(bytes));
  return hex;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function tempStore(prefix = 'pf-store-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function blobFile(root: string, hex: string): string {
  return path.join(root, 'blobs', 'sha256', hex.slice(0, 2), `${hex}.zst`);
}

const fastCompressor = new Compressor();
fastCompressor.setParameters({ compressionLevel: 1 });

/**
 * Writes one blob (level-19 zstd) and returns its hex digest. `fast`: level 1, for the tens of MiB of generated
 * manifests a scale test writes (level 19 takes seconds per MiB; a reader cannot tell the level from the frame).
 */
export function writeBlob(root: string, data: Uint8Array | string, opts: { fast?: boolean } = {}): string {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data;
  const hex = sha256Hex(bytes);
  const file = blobFile(root, hex);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, (opts.fast ? fastCompressor : compressor).compress(bytes));
  return hex;
}

/** Many small distinct blobs, fast: for paging and benchmark stores. */
export function writeManyBlobs(root: string, count: number, tag = 'blob'): string[] {
  const hexes: string[] = [];
  const made = new Set<string>();
  for (let i = 0; i < count; i++) {
    const data = Buffer.from(`${tag} ${i}\n`);
    const hex = sha256Hex(data);
    const dir = path.join(root, 'blobs', 'sha256', hex.slice(0, 2));
    if (!made.has(dir)) {
      fs.mkdirSync(dir, { recursive: true });
      made.add(dir);
    }
    fs.writeFileSync(path.join(dir, `${hex}.zst`), compressor.compress(data));
    hexes.push(hex);
  }
  return hexes;
}

export interface ImageSpec {
  kind?: string;
  base: string;
  diff: string;
  cachePages: string;
  fs: string;
  env: string;
  procs: string;
  ledger: string;
  messages: string;
  createdAt?: string;
  parents?: string[];
  /** The agent block as pf writes it (kind, version, fingerprint: the snapshot's name). */
  agent?: { kind: string; version: string; fingerprint: string };
}

/** The manifest JSON exactly as pf-core's serde writes it: field order fixed, no whitespace. */
export function manifestJson(spec: ImageSpec): string {
  const d = (hex: string) => `sha256:${hex}`;
  return JSON.stringify({
    schema_version: 1,
    media_type: 'application/vnd.processfork.image.v1+json',
    agent: spec.agent ?? { kind: spec.kind ?? 'langgraph', version: '0.4.2', fingerprint: 'lg-3f9a' },
    model: { base: d(spec.base), diff: d(spec.diff) },
    cache: { layout: 'paged-batchinvariant-v1', manifest: d(spec.cachePages) },
    world: { fs: d(spec.fs), env: d(spec.env), procs: d(spec.procs) },
    effects: { ledger: d(spec.ledger) },
    trace: { messages: d(spec.messages) },
    created_at: spec.createdAt ?? '2026-11-20T09:14:03.512204Z',
    parents: (spec.parents ?? []).map(d),
  });
}

/** Writes the manifest as a blob and as images/<hex>.json, as pf-core's PfStore does. */
export function writeImage(
  root: string,
  spec: ImageSpec,
  opts: { fast?: boolean } = {},
): { hex: string; json: string; file: string } {
  const json = manifestJson(spec);
  const hex = writeBlob(root, json, opts);
  const file = path.join(root, 'images', `${hex}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, json);
  return { hex, json, file };
}

/** The session secret the demo images' ledgers are chained with (embedded, as pf's CLI does since 1.0.7). */
export const DEMO_LEDGER_SECRET = '7d'.repeat(32);

/**
 * A complete small image in pf's shapes (spec sections 4 and 7), named `tag` (its `agent.fingerprint`): a folder
 * and two files in an fs.tree.v1 with modes and kinds, one cache page, env.v1, pf's default procs record, a
 * chained ledger of two tool calls, a two-message trace, the CLI's `base:<kind>` and empty LoRA diff.
 */
export function writeDemoImage(
  root: string,
  tag = 'demo',
  parents: string[] = [],
  kind = 'langgraph',
): { hex: string; json: string; file: string; spec: ImageSpec; fileBlobs: string[] } {
  const files = [`#!/bin/sh\necho ${tag}\n`, `${tag} notes\n`];
  const fileBlobs = files.map((text) => writeBlob(root, text));
  const fsTree = JSON.stringify({
    kind: 'fs.tree.v1',
    entries: [
      { path: 'work', mode: '0755', size: 0, kind: 'dir' },
      { path: 'work/notes.txt', mode: '0644', size: files[1].length, kind: 'file', blob: `sha256:${fileBlobs[1]}` },
      { path: 'work/run.sh', mode: '0755', size: files[0].length, kind: 'file', blob: `sha256:${fileBlobs[0]}` },
    ],
  });
  const k = writeBlob(root, `${tag} key page`);
  const v = writeBlob(root, `${tag} value page`);
  const calls = [entry(0, 'read_file'), entry(1, `run_${tag}`, 'irreversible')];
  const spec: ImageSpec = {
    kind,
    base: writeBlob(root, `base:${kind}`),
    diff: writeBlob(
      root,
      JSON.stringify({
        layout: 'model.diff.v1',
        diff: { kind: 'lora', adapters: [], note: `generic-cli-empty: ${tag}` },
      }),
    ),
    cachePages: writeBlob(root, JSON.stringify({ pages: [{ k: `sha256:${k}`, v: `sha256:${v}` }] })),
    fs: writeBlob(root, fsTree),
    env: writeBlob(root, envText({ HOME: '/home/dev', PATH: '/usr/bin', TAG: tag })),
    procs: writeBlob(root, PROCS_UNSUPPORTED),
    ledger: writeBlob(root, ledgerText(calls, { secretHex: DEMO_LEDGER_SECRET })),
    messages: writeBlob(root, `{"role":"user","content":"${tag}"}\n{"role":"assistant","content":"ok"}\n`),
    parents,
    agent: { kind, version: '1.0.15', fingerprint: tag },
  };
  return { ...writeImage(root, spec), spec, fileBlobs };
}

/** Flips one byte in the middle of a blob file (keeps the size). */
export function flipByte(file: string, at?: number): void {
  const data = fs.readFileSync(file);
  const i = at ?? Math.floor(data.length / 2);
  data[i] ^= 0xff;
  fs.writeFileSync(file, data);
}

/**
 * The temp name one of our writers with process id `pid` leaves (its origin says this boot and pid namespace, so
 * gc may trust the pid); pf's own writers leave the name without the origin.
 */
export function ourTempName(hex: string, pid: number, n: number): string {
  return `${hex}.tmp.${pid}.${n}.${writerOrigin()}`;
}

/**
 * A process id that is certainly not running: a child that has exited and been reaped (a fixed number such as
 * 999999 may be a live process on a busy machine, or above pid_max). Reuse within a test's few milliseconds
 * would need the kernel to wrap around its whole pid space.
 */
export function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}
