// stat learns a blob's decoded size by walking frame and block headers. A blob of millions of one-byte blocks
// once cost one read per block (61 s for 2 million); the walk must cost reads in proportion to the file's
// size, not to its block count, so that stat never costs more than a verify.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DCtx } from 'zstd-napi/binding';
import { declaredContentSize, declaredDecodedSize, parseFrameHeader } from '../../server/src/store/io/zstdFrame';
import { pfcoreFrame } from '../support/storeFixtures';

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

/** A frame header: magic, descriptor byte, then window, dictionary id and content size bytes as given. */
function header(fhd: number, ...rest: number[]): Uint8Array {
  const b = Buffer.alloc(5 + rest.length);
  b.writeUInt32LE(0xfd2fb528, 0);
  b[4] = fhd;
  rest.forEach((v, i) => (b[5 + i] = v));
  return b;
}

test('frame headers: every content-size width, dictionary ids, checksum flag, skippable frames, short input', () => {
  // Single segment, 1-byte size (no window byte): 200.
  assert.deepEqual(parseFrameHeader(header(0x20, 200)), {
    headerBytes: 6,
    contentSize: 200,
    hasChecksum: false,
    skippable: false,
  });
  // 2-byte size is stored minus 256; a checksum flag; window byte present.
  assert.deepEqual(parseFrameHeader(header(0x44, 0x00, 0x10, 0x00)), {
    headerBytes: 8,
    contentSize: 0x10 + 256,
    hasChecksum: true,
    skippable: false,
  });
  // 4-byte size after a 2-byte dictionary id.
  assert.deepEqual(parseFrameHeader(header(0x82, 0x00, 0xaa, 0xbb, 0x01, 0x02, 0x03, 0x04)), {
    headerBytes: 12,
    contentSize: 0x04030201,
    hasChecksum: false,
    skippable: false,
  });
  // 8-byte size after a 4-byte dictionary id, single segment.
  const big = header(0xe3, 1, 2, 3, 4, 0, 0, 0, 0, 1, 0, 0, 0);
  assert.deepEqual(parseFrameHeader(big), {
    headerBytes: 17,
    contentSize: 2 ** 32,
    hasChecksum: false,
    skippable: false,
  });
  // No size recorded (pf-core's streaming frames): flag 0, not single segment, 1-byte dictionary id.
  assert.deepEqual(parseFrameHeader(header(0x01, 0x00, 0x07)), {
    headerBytes: 7,
    contentSize: undefined,
    hasChecksum: false,
    skippable: false,
  });
  // Cut before the size ends, not a frame, too short to say: undefined.
  assert.equal(parseFrameHeader(header(0x82, 0x00, 0xaa, 0xbb, 0x01)), undefined);
  assert.equal(parseFrameHeader(Buffer.from('PK\x03\x04zip')), undefined);
  assert.equal(parseFrameHeader(header(0x20).subarray(0, 4)), undefined);
  assert.equal(parseFrameHeader(Buffer.from([0x28, 0xb5, 0x2f])), undefined);
  // Skippable frames (magic 0x184D2A5?): their payload size; cut short, undefined.
  const skip = Buffer.alloc(8);
  skip.writeUInt32LE(0x184d2a5f, 0);
  skip.writeUInt32LE(12345, 4);
  assert.deepEqual(parseFrameHeader(skip), {
    headerBytes: 8,
    hasChecksum: false,
    skippable: true,
    skippableSize: 12345,
  });
  assert.equal(parseFrameHeader(skip.subarray(0, 7)), undefined);
});

test('decoded size of a file: frames summed, skippable frames hopped, checksums skipped, anything odd unknown', async () => {
  const { Compressor } = await import('zstd-napi');
  const c = new Compressor();
  c.setParameters({ compressionLevel: 3, checksumFlag: true });
  const a = c.compress(Buffer.from('first frame '.repeat(100)));
  const skip = Buffer.alloc(8 + 5);
  skip.writeUInt32LE(0x184d2a50, 0);
  skip.writeUInt32LE(5, 4);
  const b = c.compress(Buffer.from('second'));
  const file = Buffer.concat([a, skip, b]);
  const readAt = async (pos: number, len: number) => file.subarray(pos, pos + len);
  assert.equal(await declaredDecodedSize(readAt, file.length), 1200 + 6);
  assert.equal(await declaredDecodedSize(readAt, file.length - 1), undefined, 'a file cut short');
  const junk = Buffer.concat([file, Buffer.from('x')]);
  assert.equal(await declaredDecodedSize(async (p, l) => junk.subarray(p, p + l), junk.length), undefined);
  const noSize = Buffer.concat([header(0x00, 0x00), Buffer.from([0x01, 0x00, 0x00])]); // one empty last raw block
  assert.equal(await declaredDecodedSize(async (p, l) => noSize.subarray(p, p + l), noSize.length), undefined);
});

test('the block walk: an RLE block is one byte on disk, a reserved block type or a cut block header is unknown', async () => {
  const sizeOf = (file: Buffer) => declaredDecodedSize(async (p, l) => file.subarray(p, p + l), file.length);
  const block = (last: number, type: number, size: number) => {
    const raw = (size << 3) | (type << 1) | last;
    return Buffer.from([raw & 0xff, (raw >> 8) & 0xff, (raw >> 16) & 0xff]);
  };
  const head = Buffer.from(header(0x20, 5)); // single segment, declares 5 bytes
  assert.equal(await sizeOf(Buffer.concat([head, block(1, 1, 5), Buffer.from('a')])), 5);
  assert.equal(await sizeOf(Buffer.concat([head, block(1, 3, 1), Buffer.from('a')])), undefined);
  assert.equal(await sizeOf(Buffer.concat([head, block(1, 1, 5).subarray(0, 2)])), undefined);
  assert.equal(parseFrameHeader(Buffer.alloc(32, 0x41)), undefined, 'not a frame, long enough to look like one');
  assert.equal(parseFrameHeader(header(0x20, 5).subarray(0, 5)), undefined, 'magic and descriptor, size cut off');
});

test('the declared size is read from every header form, and pf-core frames declare none', () => {
  assert.equal(declaredContentSize(pfcoreFrame(Buffer.from('pf-core'))), undefined);
  assert.equal(declaredContentSize(tinyBlockFrame(300)), 300); // 8-byte field
  const single = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 200]); // single segment, 1-byte field
  assert.equal(declaredContentSize(single), 200);
  const twoBytes = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x40, 0x00, 0x10, 0x00]); // 2-byte field, plus 256
  assert.equal(declaredContentSize(twoBytes), 16 + 256);
  const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4]);
  assert.equal(declaredContentSize(skippable), undefined);
  assert.equal(declaredContentSize(Buffer.from('not a frame')), undefined);
  assert.equal(declaredContentSize(Buffer.from([0x28, 0xb5])), undefined);
});
