// Bytes as `hexdump -C` prints them, for binary blobs and for the stored bytes of a damaged one.

/** `00000000  7f 45 4c 46 …  |.ELF…|`: 16 bytes a line, as `hexdump -C` prints them. */
export function hexDump(
  bytes: Uint8Array,
  total: number,
  rest = 'Save Blob As… writes the whole blob to a file.',
): string {
  const lines: string[] = [];
  for (let at = 0; at < bytes.length; at += 16) {
    const row = bytes.subarray(at, at + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  if (total > bytes.length) {
    lines.push(`… ${total - bytes.length} more bytes${rest ? `: ${rest}` : ''}`);
  }
  return lines.join('\n');
}
