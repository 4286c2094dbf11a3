import { formatDigest } from '../../../../shared/blobs/digest';
import type { Command } from '../context';
import { digestArg } from '../digestArg';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';

export const statCommand: Command = {
  name: 'stat',
  usage: 'pfstore stat DIGEST',
  summary: 'stored size, exact decoded size and ratio (from the frame headers, else by decoding once)',
  flags: { values: [], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) {
      throw new CliError('stat takes exactly one DIGEST');
    }
    const hex = await digestArg(ctx.store, ctx.args.positional[0]);
    const header = await ctx.store.stat(hex);
    // pf-core's frames record no size: learn it by decoding once (streamed, re-hashed, as a verify does).
    const decodedBytes = header.decodedBytes ?? (await ctx.store.decodedSize(hex, { signal: ctx.signal }));
    const s = { ...header, decodedBytes };
    // An empty blob has no compression ratio to speak of (its frame is all overhead).
    const ratio = s.decodedBytes && s.storedBytes > 0 ? s.decodedBytes / s.storedBytes : undefined;
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
        `decoded:  ${s.decodedBytes} bytes${header.decodedBytes === undefined ? ' (decoded: the frames do not record it)' : ''}`,
      );
      ctx.out(`ratio:    ${ratio !== undefined ? `${ratio.toFixed(2)}x` : 'none (the blob is empty)'}`);
      ctx.out(`modified: ${info.modified}`);
    }
    return EXIT_OK;
  },
};
