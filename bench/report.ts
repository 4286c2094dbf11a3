// Collects benchmark rows and prints them as a Markdown table (pasted into docs/benchmarks.md).
export interface Row {
  name: string;
  ours: string;
  baseline: string;
  ratio?: number;
  goal?: string;
  met?: boolean;
}

export const rows: Row[] = [];

export function record(row: Row): void {
  rows.push(row);
  const verdict = row.met === undefined ? '' : row.met ? ' (goal met)' : ' (goal NOT met)';
  process.stderr.write(
    `${row.name}: ours ${row.ours}, baseline ${row.baseline}${row.ratio !== undefined ? `, ratio ${row.ratio.toFixed(2)}` : ''}${verdict}\n`,
  );
}

export function table(): string {
  const lines = ['| benchmark | ours | baseline (same run) | ratio | goal | met |', '|---|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(
      `| ${r.name} | ${r.ours} | ${r.baseline} | ${r.ratio === undefined ? '' : r.ratio.toFixed(2)} | ${r.goal ?? ''} | ${r.met === undefined ? '' : r.met ? 'yes' : 'no'} |`,
    );
  }
  return lines.join('\n');
}

export const ms = (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} ms`;
export const mib = (bytes: number) => `${(bytes / (1 << 20)).toFixed(1)} MiB`;
