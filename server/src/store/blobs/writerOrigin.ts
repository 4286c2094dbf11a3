// Who wrote a temp file, beyond its pid. A pid means something only in the pid namespace, and on the boot, of the
// process that wrote it: pf in a container with the store mounted, or another host on NFS, has pids that say
// nothing here (`kill(pid, 0)` finds some other process, or none). Our writers add an origin to the temp name:
// the first 12 hex of a SHA-256 over the host name, the kernel's boot id and the pid-namespace inode. gc trusts a
// pid only under its own origin; for any other temp file (pf's own names carry none) only its age can say that
// its writer is gone.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';

let cached: string | undefined;

export function writerOrigin(): string {
  cached ??= originOf(os.hostname(), readOr('/proc/sys/kernel/random/boot_id'), linkOr('/proc/self/ns/pid'));
  return cached;
}

export function originOf(host: string, bootId: string, pidNamespace: string): string {
  return createHash('sha256').update(`${host}\0${bootId}\0${pidNamespace}`).digest('hex').slice(0, 12);
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return 'unknown'; // not Linux: the host name alone (a container elsewhere still has its own)
  }
}

function linkOr(link: string): string {
  try {
    return fs.readlinkSync(link);
  } catch {
    return 'unknown';
  }
}
