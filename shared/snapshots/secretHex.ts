// A session secret as pf takes it (`--session-secret-hex`, `PF_SESSION_SECRET`): hex, two digits per byte, the
// raw bytes being the HMAC key of an effects ledger's chain. One rule for the CLI, the server and the editor.

export function isSecretHex(text: string): boolean {
  return /^(?:[0-9a-fA-F]{2})+$/.test(text);
}
