// The two zstd engines (native addon, WebAssembly build of the same libzstd): the same frames byte for byte,
// pf-core's frame shape and the zstd command's decoded by both, corrupt input refused, the engine named where a
// user looks, and the committed zstd.wasm what the build script makes from zstd-napi's sources.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadEngine, zstdEngine, type ZstdEngine } from '../../server/src/store/io/zstdEngine';
import { CLI_JS, REPO } from '../support/serverProcess';
import { pfcoreFrame } from '../support/storeFixtures';

const native = loadEngine('native');
const wasm = loadEngine('wasm');

/** Decodes a whole stream through `engine` in output slices of `outSize` (small ones exercise the loop). */
function decodeAll(engine: ZstdEngine, stream: Uint8Array, outSize = engine.outSize): Buffer {
  const decoder = engine.createDecoder();
  decoder.reset();
  const out = Buffer.alloc(outSize);
  const parts: Buffer[] = [];
  let src = stream;
  let inFrame = false;
  while (src.length > 0 || inFrame) {
    const [ret, produced, consumed] = decoder.decompress(out, src);
    parts.push(Buffer.from(out.subarray(0, produced)));
    src = src.subarray(consumed);
    inFrame = ret !== 0;
    if (produced === 0 && consumed === 0) {
      break;
    }
  }
  return Buffer.concat(parts);
}

const text = Buffer.from('agent snapshot fork '.repeat(60_000)); // 1.2 MB, compressible
const inputs: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['one byte', Buffer.from('x')],
  ['1.2 MB of text', text],
  ['300 KiB of random bytes', randomBytes(300 << 10)],
];

test('both engines run the same libzstd and write the same level-19 frames byte for byte', () => {
  assert.equal(wasm.version, native.version);
  const n = native.createCompressor(19);
  const w = wasm.createCompressor(19);
  for (const [name, data] of inputs) {
    const a = Buffer.from(n.compress(data));
    const b = Buffer.from(w.compress(data));
    assert.ok(a.equals(b), `${name}: the frames differ`);
    assert.ok(decodeAll(wasm, b).equals(data), `${name}: the wasm engine does not decode its own frame`);
  }
});

test("the wasm engine decodes pf-core's frames (no content size, 8 MiB window) and concatenated frames", () => {
  const frames = Buffer.concat([pfcoreFrame(text), pfcoreFrame(Buffer.from('tail'))]);
  for (const outSize of [wasm.outSize, 100]) {
    assert.ok(decodeAll(wasm, frames, outSize).equals(Buffer.concat([text, Buffer.from('tail')])));
  }
});

test('the zstd command’s own frames (zstd -19 --no-check from standard input) decode in both engines', () => {
  const frame = execFileSync('zstd', ['-19', '--no-check', '-c'], { input: text });
  assert.ok(decodeAll(wasm, frame).equals(text));
  assert.ok(decodeAll(native, frame).equals(text));
});

test('a corrupt frame is refused with zstd’s own reason, by both engines', () => {
  const frame = Buffer.from(native.createCompressor(19).compress(text));
  frame[frame.length >> 1] ^= 0xff;
  for (const engine of [native, wasm]) {
    assert.throws(() => decodeAll(engine, frame), /corrupt|Data corruption|error/i, engine.name);
  }
  assert.throws(() => decodeAll(wasm, Buffer.from('not zstd at all')), /Unknown frame descriptor/);
});

test('PFSTORE_ZSTD chooses the engine, and pfstore --version names it', () => {
  const cli = CLI_JS;
  for (const name of ['native', 'wasm']) {
    const out = execFileSync(process.execPath, [cli, '--version'], { env: { ...process.env, PFSTORE_ZSTD: name } });
    assert.match(out.toString(), new RegExp(`\\(zstd ${native.version}, ${name} engine\\)`));
  }
  const bad = spawnSync(process.execPath, [cli, '--version'], { env: { ...process.env, PFSTORE_ZSTD: 'fast' } });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr.toString(), /PFSTORE_ZSTD must be "native" or "wasm"/);
});

const toolchain =
  ['clang', 'wasm-ld'].every((c) => spawnSync('which', [c]).status === 0) &&
  fs.existsSync('/usr/lib/wasm32-wasi/libc.a');

test(
  'the committed zstd.wasm is what scripts/build-zstd-wasm.sh makes',
  { skip: !toolchain && process.env.CI !== 'true' },
  () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pf-wasm-')), 'zstd.wasm');
    try {
      execFileSync('bash', [path.join(REPO, 'scripts', 'build-zstd-wasm.sh'), out], { cwd: REPO, stdio: 'pipe' });
      assert.ok(fs.readFileSync(out).equals(fs.readFileSync(path.join(REPO, 'server', 'wasm', 'zstd.wasm'))));
    } finally {
      fs.rmSync(path.dirname(out), { recursive: true, force: true });
    }
  },
);

test('this run decodes with the engine PFSTORE_ZSTD names (npm test runs the store suites once per engine)', () => {
  const expected = process.env.PFSTORE_ZSTD === 'wasm' ? 'wasm' : 'native';
  assert.equal(zstdEngine().name, expected);
});
