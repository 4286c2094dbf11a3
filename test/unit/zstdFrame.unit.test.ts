// stat learns a blob's decoded size by walking frame and block headers. A blob of millions of one-byte blocks
// once cost one read per block (61 s for 2 million); the walk must cost reads in proportion to the file's
// size, not to its block count, so that stat never costs more than a verify.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DCtx } from 'zstd-napi/binding';
import { declaredDecodedSize } from '../../server/src/store/zstdFrame';

/** One zstd frame that declares its size and holds `n` raw blocks of one byte each. */
function tinyBlockFrame(n: number): Buffer {
  const header = Buffer.alloc(4 + 1 + 1 + 8);
  header.writeUInt32LE(0xfd2fb528, 0);
  header[4] = 0xc0; // 8-byte content size, not single-segment, no checksum
  header[5] = 0x00; // 1 KiB window
  header.writeBigUInt64LE(BigInt(n), 6);
  const blocks = Buffer.alloc(n * 4);
  for (let i = 0; i < n; i++) {
    const raw = (1 << 3) | (i === n - 1 ? 1 : 0); // raw block, size 1, last flag on the final one
    blocks[i * 4] = raw & 0xff;
    blocks[i * 4 + 1] = (raw >> 8) & 0xff;
    blocks[i * 4 + 2] = (raw >> 16) & 0xff;
    blocks[i * 4 + 3] = 0x61; // 'a'
  }
  return Buffer.concat([header, blocks]);
}

test('the frame is real zstd: the library decodes it to n bytes', () => {
  const frame = tinyBlockFrame(1000);
  const out = Buffer.alloc(4096);
  const [, produced] = new DCtx().decompressStream(out, frame);
  assert.equal(produced, 1000);
});

test('walking 200,000 one-byte blocks costs reads by file size, not by block count', async () => {
  const n = 200_000;
  const file = tinyBlockFrame(n);
  let reads = 0;
  const readAt = async (position: number, length: number) => {
    reads++;
    return file.subarray(position, position + length);
  };
  assert.equal(await declaredDecodedSize(readAt, file.length), n);
  assert.ok(reads <= Math.ceil(file.length / (64 << 10)) + 4, `${reads} reads for a ${file.length}-byte file`);
});
