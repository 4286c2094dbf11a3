// Arrays that grow with the store (tags, parents, temp files, pages). Spreading one into a call
// (`list.push(...items)`) passes every item as an argument, and past about 100,000 of them V8 throws
// "Maximum call stack size exceeded"; the lint refuses such spreads (eslint.config.mjs), so they come here.

/** Appends every item of `items` to `target`, one at a time, and returns `target`. */
export function appendAll<T>(target: T[], items: Iterable<T>): T[] {
  for (const item of items) {
    target.push(item);
  }
  return target;
}
