// pfstore: the store from the command line, on the same code as the language server. This is the bundle with
// every command; the launcher (launch.ts) runs a smaller one for a command that has its own.
import { gcCommand } from './commands/gc';
import { refsCommand } from './commands/refs';
import { diffCommand } from './commands/diff';
import { logCommand } from './commands/log';
import { statsCommand } from './commands/stats';
import { getCommand } from './commands/get';
import { lsCommand } from './commands/ls';
import { putCommand } from './commands/put';
import { statCommand } from './commands/stat';
import { verifyCommand } from './commands/verify';
import { imagesCommand } from './commands/images';
import { showCommand } from './commands/show';
import { effectsCommand } from './commands/effects';
import { searchCommand } from './commands/search';
import { pullCommand, pushCommand, remoteCommand } from './commands/remote';
import { runCli } from './runCli';

runCli([
  putCommand,
  getCommand,
  lsCommand,
  statCommand,
  imagesCommand,
  effectsCommand,
  searchCommand,
  showCommand,
  verifyCommand,
  gcCommand,
  refsCommand,
  diffCommand,
  logCommand,
  statsCommand,
  pushCommand,
  pullCommand,
  remoteCommand,
]);
