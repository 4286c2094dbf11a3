import { formatDigest } from '../../../../shared/blobs/digest';
import { resolveImage } from '../../store/images/resolveImage';
import { parseRemote } from '../../remotes/remoteRef';
import { listImagesAt, pullFrom, pushTo } from '../../remotes/remotes';
import type { Command } from '../context';
import { printJson } from '../context';
import { CliError, EXIT_OK, EXIT_SECRETS_REFUSED } from '../exitCodes';
import { secretNames, secretsInClear } from '../../store/layers/snapshot/secretsBeforeSharing';
import { plural } from '../../../../shared/common/format';
import { progressOnStderr } from '../progress';

const REMOTES = 'oci://host:port/repo[:tag] | file://PATH | s3://BUCKET/PREFIX';

export const pushCommand: Command = {
  name: 'push',
  usage: `pfstore push IMAGE ${REMOTES} [--allow-secrets]`,
  summary:
    "push an image and its closure to a registry in pf's layout (only what the registry lacks); refuses an image with secrets in clear",
  flags: { values: [], switches: ['--allow-secrets'] },
  async run(ctx) {
    if (ctx.args.positional.length !== 2) {
      throw new CliError(`push takes an IMAGE (name, digest or prefix) and a registry (${REMOTES})`);
    }
    const hex = (await resolveImage(ctx.root, ctx.args.positional[0])).hex;
    const ref = parseRemote(ctx.args.positional[1]);
    if (!ctx.args.switches.has('--allow-secrets')) {
      const found = await secretsInClear(ctx.store, hex, ctx.signal);
      if (found.length > 0) {
        // Everyone who can pull would read them: refuse, name them (never their values), say the way out.
        throw new CliError(
          `not pushed: the snapshot holds ${plural(found.length, 'secret')} in clear: ${secretNames(found)}. Anyone who can pull it could read ${found.length === 1 ? 'it' : 'them'}. Take a snapshot with pf's default scrub, or push anyway with --allow-secrets`,
          EXIT_SECRETS_REFUSED,
        );
      }
    }
    const progress = progressOnStderr('push');
    try {
      const r = await pushTo(ctx.store, hex, ref, {
        signal: ctx.signal,
        onProgress: (p) => progress.update(p.done, p.total, p.note),
      });
      progress.finish();
      if (ctx.json) {
        printJson(ctx, {
          image: formatDigest(hex),
          ref: r.pullRef,
          layers: r.blobs,
          uploaded: r.uploaded,
          skipped: r.skipped,
          ...(r.manifestDigest ? { manifestDigest: r.manifestDigest } : {}),
        });
      } else {
        ctx.out(
          `pushed ${formatDigest(hex)} to ${r.pullRef} (${plural(r.blobs, 'blob')}: ${r.uploaded} uploaded, ${r.skipped} already there)`,
        );
        ctx.out(`pull it with: pfstore pull ${r.pullRef}`);
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
  usage: `pfstore pull ${REMOTES} [--allow-unsigned]`,
  summary: 'pull an image and the blobs of its closure that are missing here; checks the signature first',
  flags: { values: [], switches: ['--allow-unsigned'] },
  async run(ctx) {
    if (ctx.args.positional.length !== 1) {
      throw new CliError(`pull takes one registry (${REMOTES})`);
    }
    const ref = parseRemote(ctx.args.positional[0]);
    const progress = progressOnStderr('pull');
    try {
      const r = await pullFrom(ctx.store, ref, {
        signal: ctx.signal,
        allowUnsigned: ctx.args.switches.has('--allow-unsigned'),
        onProgress: (p) => progress.update(p.done, p.total, p.note),
      });
      progress.finish();
      for (const note of r.notes) {
        ctx.err(`note: ${note}`);
      }
      if (ctx.json) {
        printJson(ctx, {
          image: formatDigest(r.imageHex),
          imageHex: r.imageHex,
          layers: r.blobs,
          downloaded: r.downloaded,
          alreadyHad: r.alreadyHad,
        });
      } else {
        ctx.out(
          `${formatDigest(r.imageHex)} (${plural(r.blobs, 'blob')}: ${r.downloaded} downloaded, ${r.alreadyHad} already here)`,
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
  usage: `pfstore remote ls ${REMOTES}`,
  summary:
    'list the images in a registry repository (tag, image, manifest digest) or under a folder or prefix (location, image, name, created)',
  flags: { values: [], switches: [] },
  async run(ctx) {
    const [sub, target] = ctx.args.positional;
    if (sub !== 'ls' || !target || ctx.args.positional.length !== 2) {
      throw new CliError(`usage: pfstore remote ls ${REMOTES}`);
    }
    const ref = parseRemote(target, { tagOptional: true });
    const images = await listImagesAt(ref, { signal: ctx.signal });
    if (ctx.json) {
      printJson(ctx, images);
    } else {
      for (const i of images) {
        ctx.out(
          i.location
            ? `${i.location}\t${i.image}\t${i.name ?? '(no name)'}\t${i.createdAt ?? ''}`
            : `${i.tag}\t${i.image}\t${i.manifest}`,
        );
      }
    }
    return EXIT_OK;
  },
};
