// The operator's session secret for checking ledgers, as pf takes it: `--session-secret-hex`, else
// `PF_SESSION_SECRET`. Checked to be hex; its value is never echoed, not even in the error.
import { CliError } from './exitCodes';
import { isSecretHex } from '../../../shared/snapshots/secretHex';

export function operatorSecret(flag: string | undefined): string | undefined {
  const value = flag ?? process.env.PF_SESSION_SECRET;
  if (value === undefined || value === '') {
    return undefined;
  }
  if (!isSecretHex(value)) {
    throw new CliError(
      `the session secret (${flag !== undefined ? '--session-secret-hex' : 'PF_SESSION_SECRET'}) must be hex; its value is not shown`,
    );
  }
  return value;
}
