// Which store to open: the client's initializationOptions, else the `processfork.store.path` setting, else
// $PF_STORE, else ~/.processfork (pf's own order after the explicit choices).
import * as os from 'node:os';
import * as path from 'node:path';
import { expandHome } from './portablePaths';

export function resolveStorePath(...candidates: Array<string | undefined | null>): string {
  for (const c of [...candidates, process.env.PF_STORE]) {
    if (typeof c === 'string' && c.trim() !== '') {
      return path.resolve(expandHome(c.trim()));
    }
  }
  return path.join(os.homedir(), '.processfork');
}
