import { formatDigest } from '../../../../shared/digest';
import { resolveImage } from '../../store/images/resolveImage';
import { parseOciRef } from '../../oci/ociRef';
import { listRemote, pullImage } from '../../oci/pull';
import { pushImage } from '../../oci/push';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK } from '../exitCodes';
import { progressOnStderr } from '../progress';

export const pushCommand: Command = {
  name: 'push',
  usage: 'pfstore push IMAGE oci://host:port/repo[:tag]',
  summary: 'push an image and its closure to an OCI registry (only what the registry lacks)',
  flags: { values: [], switches: [] },
  async run(ctx) {
    if (ctx.args.positional.length !== 2) {
      throw new CliError('push takes an IMAGE digest and an oci:// reference');
    }
    const hex = (await resolveImage(ctx.root, ctx.args.positional[0])).hex;
    const ref = parseOciRef(ctx.args.positional[1]);
    const progress = progressOnStderr('push');
    try {
      const result = await pushImage(ctx.store, hex, ref, {
        signal: ctx.signal,
        onProgress: (p) => progress.update(p.done, p.total, p.note),
      });
      if (ctx.json) {
        printJson(ctx, { image: formatDigest(hex), ref: `oci://${ref.host}/${ref.repo}:${ref.tag}`, ...result });
      } else {
        ctx.out(
          `pushed ${formatDigest(hex)} to oci://${ref.host}/${ref.repo}:${ref.tag} (${result.layers} blobs: ${result.uploaded} uploaded, ${result.skipped} already there)`,
        );
      }
    } finally {
      progress.finish();
    }
    return EXIT_OK;
  },
};

export const pullCommand: Command = {
  name: 'pull',
  createsStore: true,
  usage: 'pfstore pull oci://host:port/repo[:tag] [--allow-unsigned]',
  summary: 'pull an image and the blobs of its closure that are missing here; checks the signature',
  flags: { values: [], switches: ['--allow-unsigned'] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) {
      throw new CliError('pull takes one oci:// reference');
    }
    const ref = parseOciRef(ctx.args.positional[0]);
    const progress = progressOnStderr('pull');
    try {
      const result = await pullImage(ctx.store, ref, {
        signal: ctx.signal,
        allowUnsigned: ctx.args.switches.has('--allow-unsigned'),
        onProgress: (p) => progress.update(p.done, p.total, p.note),
      });
      if (ctx.json) {
        printJson(ctx, { image: formatDigest(result.imageHex), ...result });
      } else {
        ctx.out(
          `${formatDigest(result.imageHex)} (${result.layers} blobs: ${result.downloaded} downloaded, ${result.alreadyHad} already here)`,
        );
      }
    } finally {
      progress.finish();
    }
    return EXIT_OK;
  },
};

export const remoteCommand: Command = {
  name: 'remote',
  createsStore: true, // lists a registry; the local store is not read
  usage: 'pfstore remote ls oci://host:port/repo',
  summary: 'list the images in a registry repository (tag, image digest, manifest digest)',
  flags: { values: [], switches: [] },
  async run(ctx) {
    const [sub, target] = ctx.args.positional;
    if (sub !== 'ls' || !target || ctx.args.positional.length !== 2) {
      throw new CliError('usage: pfstore remote ls oci://host:port/repo');
    }
    const ref = parseOciRef(target, { tagOptional: true });
    const images = await listRemote(ref);
    if (ctx.json) {
      printJson(ctx, images);
    } else {
      for (const i of images) {
        ctx.out(`${i.tag}\t${i.image}\t${i.manifest}`);
      }
    }
    return EXIT_OK;
  },
};
