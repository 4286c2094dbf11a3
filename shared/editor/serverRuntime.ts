// How the store server's Node is started: the extension forks it with these flags, and the tests and
// benchmarks that spawn the bundled server use the same ones, so they measure what ships.

/**
 * V8 flags for the server process. Paging through a million-blob store (5,000-entry pages of short-lived
 * strings and entries) grew V8's young generation to 32 MiB, whose pages then stay resident: 140-158 MiB RSS
 * after listing everything. With semi-spaces capped at 4 MiB: 118-126 MiB, pages and hovers as fast
 * (docs/benchmarks.md). It can only be set at start-up: V8 sizes the young generation when the heap is made.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4'];
