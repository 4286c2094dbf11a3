// Says whether a store directory can be read and written, in words a user can act on.
import { constants } from 'node:fs';
import * as fs from 'node:fs/promises';
import type { StoreState } from '../../../shared/protocol';

export interface ProbeResult {
  state: StoreState;
  writable: boolean;
  message: string;
}

export async function probeStore(root: string): Promise<ProbeResult> {
  let info;
  try {
    info = await fs.stat(root);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      return {
        state: 'missing',
        writable: true,
        message: `The store ${root} does not exist yet; putting a file creates it.`,
      };
    }
    return { state: 'unreadable', writable: false, message: `The store ${root} cannot be read (${code}).` };
  }
  if (!info.isDirectory()) {
    return { state: 'not-a-directory', writable: false, message: `The store path ${root} is not a directory.` };
  }
  try {
    await fs.access(root, constants.R_OK | constants.X_OK);
    await fs.readdir(root);
  } catch (err) {
    return {
      state: 'unreadable',
      writable: false,
      message: `The store ${root} cannot be read (${(err as NodeJS.ErrnoException).code}).`,
    };
  }
  try {
    await fs.access(root, constants.W_OK);
  } catch {
    return {
      state: 'read-only',
      writable: false,
      message: `The store ${root} is read-only: browsing and verify work, put and gc do not.`,
    };
  }
  return { state: 'ok', writable: true, message: `Store ${root}` };
}
