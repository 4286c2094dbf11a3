import { formatDigest, parseDigest } from '../../../../shared/digest';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

export const statCommand: Command = {
  name: 'stat',
  usage: 'pfstore stat DIGEST',
  summary: 'stored size, decoded size (from the zstd frame headers) and ratio, without decoding',
  flags: { values: [], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) throw new CliError('stat takes exactly one DIGEST');
    const hex = parseDigest(ctx.args.positional[0]);
    const s = await ctx.store.stat(hex);
    const ratio = s.decodedBytes !== undefined && s.storedBytes > 0 ? s.decodedBytes / s.storedBytes : undefined;
    const info = {
      digest: formatDigest(hex),
      storedBytes: s.storedBytes,
      decodedBytes: s.decodedBytes ?? null,
      ratio: ratio ?? null,
      modified: new Date(s.modifiedMs).toISOString(),
    };
    if (ctx.json) {
      printJson(ctx, info);
    } else {
      ctx.out(`digest:   ${info.digest}`);
      ctx.out(`stored:   ${s.storedBytes} bytes`);
      ctx.out(
        `decoded:  ${s.decodedBytes ?? 'unknown (a frame does not record its size)'}${s.decodedBytes !== undefined ? ' bytes' : ''}`,
      );
      if (ratio !== undefined) ctx.out(`ratio:    ${ratio.toFixed(2)}x`);
      ctx.out(`modified: ${info.modified}`);
    }
    return EXIT_OK;
  },
};
