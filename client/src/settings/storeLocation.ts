// Where the store should be, decided without the server: the setting, then $PF_STORE, then ~/.processfork (the
// server's order, storePath.ts). The extension activates when the editor has started; this one stat decides
// whether the Explorer view and the status item show and whether the server process starts now or waits.
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { settings } from './settings';

export function expectedStorePath(): string {
  const chosen = settings().storePath.trim() || process.env.PF_STORE?.trim();
  if (!chosen) {
    return path.join(os.homedir(), '.processfork');
  }
  const home = /^~(?=$|[\\/])/.test(chosen) ? os.homedir() + chosen.slice(1) : chosen;
  return path.resolve(home);
}

/** A folder stands at the store path (pf's or ours; what is in it is the server's to judge). */
export async function storeFolderExists(): Promise<boolean> {
  const info = await fs.stat(expectedStorePath()).catch(() => undefined);
  return info?.isDirectory() ?? false;
}
