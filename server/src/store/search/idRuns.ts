// Lists of ids as runs of consecutive ids, `[start, length, start, length, …]`: how a trace names its messages and
// a ledger its calls. A fork's list is its parent's run(s) and its own, so a list of thousands of ids is a few
// numbers, and "does this list hold any of these ids" is a binary search per run, not a look at every id.

/** Read from a facts file as a view of its bytes (Int32Array), made in memory as an array. */
export type Runs = ArrayLike<number>;

export function toRuns(ids: readonly number[]): number[] {
  const runs: number[] = [];
  for (let i = 0; i < ids.length;) {
    let j = i + 1;
    while (j < ids.length && ids[j] === ids[j - 1] + 1) {
      j++;
    }
    runs.push(ids[i], j - i);
    i = j;
  }
  return runs;
}

/** Every id, in order, with its position in the list. */
export function forEachId(runs: Runs, fn: (id: number, position: number) => void): void {
  let position = 0;
  for (let r = 0; r + 1 < runs.length; r += 2) {
    for (let k = 0; k < runs[r + 1]; k++) {
      fn(runs[r] + k, position++);
    }
  }
}

export function idsOf(runs: Runs): number[] {
  const ids: number[] = [];
  forEachId(runs, (id) => ids.push(id));
  return ids;
}

/** The list with each id replaced (ids of another table), as runs again. */
export function mapRuns(runs: Runs, map: (id: number) => number): Runs {
  return toRuns(idsOf(runs).map(map));
}

/** The same list with every id moved up by `offset` (rows appended after another table's). */
export function shiftRuns(runs: Runs, offset: number): Runs {
  const moved = Int32Array.from(runs);
  for (let r = 0; r < moved.length; r += 2) {
    moved[r] += offset;
  }
  return moved;
}

/** Throws unless the runs in [from, to) (as read from a file) name ids below `limit` only: read, not trusted. */
export function checkRuns(runs: Int32Array, limit: number, from = 0, to = runs.length): void {
  if ((to - from) % 2 !== 0) {
    throw new Error('a list of ids is not pairs of numbers');
  }
  for (let r = from; r < to; r += 2) {
    if (runs[r] < 0 || runs[r + 1] < 0 || runs[r] + runs[r + 1] > limit) {
      throw new Error('a list names rows the file does not hold');
    }
  }
}

/** Whether the list (or its ints [from, to)) holds any id of `sorted` (ascending). */
export function anyIn(runs: Runs, sorted: Int32Array, from = 0, to = runs.length): boolean {
  for (let r = from; r + 1 < to; r += 2) {
    const start = runs[r];
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < start) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo < sorted.length && sorted[lo] < start + runs[r + 1]) {
      return true;
    }
  }
  return false;
}

/** The ids `match` accepts among `count` rows, ascending. */
export function matchingIds(count: number, match: (id: number) => boolean): Int32Array {
  const found: number[] = [];
  for (let id = 0; id < count; id++) {
    if (match(id)) {
      found.push(id);
    }
  }
  return Int32Array.from(found);
}
