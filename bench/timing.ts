// Small timing helpers: best-of-N wall time, and running a shell pipeline as the baseline.
import { execFileSync } from 'node:child_process';

export async function timeIt(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Median of `runs` timings, with `setup` run untimed before each. */
export async function medianMs(
  runs: number,
  fn: () => Promise<unknown> | unknown,
  setup?: () => Promise<unknown> | unknown,
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    await setup?.();
    times.push(await timeIt(fn));
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function sh(script: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync('bash', ['-c', script], { env: { ...process.env, ...env }, maxBuffer: 1 << 28 }).toString();
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
