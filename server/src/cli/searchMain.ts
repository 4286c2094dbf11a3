// The bundle for `pfstore search` alone (launch.ts): a search is a short process, and compiling the code of
// every other command was about 8 ms of its 130.
import { searchCommand } from './commands/search';
import { runCli } from './runCli';

runCli([searchCommand]);
