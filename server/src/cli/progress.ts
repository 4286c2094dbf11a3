// Progress on stderr for long runs: a redrawn bar on a terminal, a plain line every few seconds otherwise
// (logs and CI capture stay readable). stdout stays for results.
export interface Progress {
  update(done: number, total: number, note?: string): void;
  finish(): void;
}

import { terminalLine } from '../../../shared/common/terminalText';

export function progressOnStderr(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const tty = stream.isTTY === true;
  const every = tty ? 100 : 5000;
  let last = 0;
  let lastDone = -1;
  let drawn = false;
  return {
    update(done, total, rawNote) {
      const note = rawNote === undefined ? undefined : terminalLine(rawNote);
      const now = Date.now();
      if (done === lastDone || (now - last < every && done !== total)) {
        return;
      }
      last = now;
      lastDone = done;
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (tty) {
        const width = 30;
        const filled = Math.round((pct / 100) * width);
        stream.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct}% ${done}/${total}${note ? ` ${note}` : ''}\x1b[K`,
        );
        drawn = true;
      } else {
        stream.write(`${label}: ${done}/${total} (${pct}%)${note ? ` ${note}` : ''}\n`);
      }
    },
    finish() {
      if (drawn) {
        stream.write('\n');
      }
    },
  };
}
