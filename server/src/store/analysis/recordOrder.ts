// The sorted order of 32-byte digest records. Digests are SHA-256 output, uniform in their first bytes, so a
// counting pass on their leading bits leaves buckets of about one record each, finished by insertion. A
// comparison sort of 200,000 records (a 100,000-page list) held the server's main thread for a quarter of a
// second; this takes a few milliseconds. The buckets scale with the count (at most 2^16): a fixed 65,536 for
// each of a thousand small page lists left 500 MB of short-lived typed arrays and raised RSS by 40 MiB.

const RECORD = 32;

/** Record indexes of `records`, sorted by the records' bytes (ties keep reading order). */
export function sortedRecordOrder(records: Uint8Array): Uint32Array {
  const n = records.length / RECORD;
  const bits = Math.min(16, Math.max(4, Math.ceil(Math.log2(n + 1))));
  const shift = 16 - bits;
  const BUCKETS = 1 << bits;
  const bucketOf = (i: number) => ((records[i * RECORD] << 8) | records[i * RECORD + 1]) >> shift;
  const starts = new Uint32Array(BUCKETS + 1);
  for (let i = 0; i < n; i++) {
    starts[bucketOf(i) + 1]++;
  }
  for (let b = 0; b < BUCKETS; b++) {
    starts[b + 1] += starts[b];
  }
  const order = new Uint32Array(n);
  const fill = starts.slice(0, BUCKETS);
  for (let i = 0; i < n; i++) {
    order[fill[bucketOf(i)]++] = i;
  }
  for (let b = 0; b < BUCKETS; b++) {
    insertionSort(records, order, starts[b], starts[b + 1]);
  }
  return order;
}

/** Sorts `order[from..to)` by record bytes (records in a bucket share only their leading bits). */
function insertionSort(records: Uint8Array, order: Uint32Array, from: number, to: number): void {
  for (let i = from + 1; i < to; i++) {
    const item = order[i];
    let j = i - 1;
    while (j >= from && compareRecords(records, order[j], item) > 0) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = item;
  }
}

function compareRecords(records: Uint8Array, a: number, b: number): number {
  const x = a * RECORD;
  const y = b * RECORD;
  for (let k = 0; k < RECORD; k++) {
    const d = records[x + k] - records[y + k];
    if (d !== 0) {
      return d;
    }
  }
  return 0;
}
