// The bundle for `pfstore verify` alone (launch.ts): the code of every other command was 2.7 MiB of verify's
// peak memory.
import { verifyCommand } from './commands/verify';
import { runCli } from './runCli';

runCli([verifyCommand]);
