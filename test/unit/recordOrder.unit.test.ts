// The reference graph sorts its digest records with a counting pass and short insertion sorts: it must agree
// with a plain comparison sort, also where records share their first bytes or repeat.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sortedRecordOrder } from '../../server/src/store/analysis/recordOrder';

function referenceOrder(records: Buffer): number[] {
  const n = records.length / 32;
  return Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => records.compare(records, b * 32, b * 32 + 32, a * 32, a * 32 + 32) || a - b,
  );
}

test('the order of digest records matches a comparison sort, with shared prefixes and repeats', () => {
  const random = randomBytes(32 * 5000);
  // Records that share their first two bytes (one bucket), differ only in the last byte, or repeat.
  const crowded = Buffer.alloc(32 * 300);
  for (let i = 0; i < 300; i++) {
    crowded[i * 32] = 0xab;
    crowded[i * 32 + 1] = 0xcd;
    crowded[i * 32 + 31] = (i * 37) % 256;
    crowded[i * 32 + 17] = i % 3;
  }
  const repeats = Buffer.concat([random.subarray(0, 320), random.subarray(0, 320), random.subarray(32, 64)]);
  for (const records of [random, crowded, repeats, Buffer.alloc(0), Buffer.alloc(32, 0xff)]) {
    assert.deepEqual(Array.from(sortedRecordOrder(records)), referenceOrder(records));
  }
});
