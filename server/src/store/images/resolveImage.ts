// An image named as people name it: the snapshot's name (`pf snapshot --name before-refactor` writes it into
// `agent.fingerprint`), its full digest, or a unique prefix of the digest. An ambiguous one lists the candidates
// with their names, so the user can pick. The CLI and the server resolve images here.
import { formatDigest, shortDigest } from '../../../../shared/blobs/digest';
import { terminalLine } from '../../../../shared/common/terminalText';
import { InvalidInputError } from '../errors';
import type { CatalogEntry } from './imageCatalog';
import { listImages } from './imageCatalog';

export interface ResolvedImage {
  hex: string;
  entry: CatalogEntry;
}

/** The snapshot's name, when it has one: what a person recognises it by. */
export function imageName(entry: CatalogEntry | undefined): string | undefined {
  const name = entry?.manifest?.agent.fingerprint;
  return name === undefined || name === '' ? undefined : name;
}

/** "before-refactor (sha256:1a2b3c4d5e6f…)", or the digest alone for an image without a name. */
export function imageLabel(hex: string, entry: CatalogEntry | undefined): string {
  const name = imageName(entry);
  return name ? `${name} (${shortDigest(hex)})` : formatDigest(hex);
}

export async function resolveImages(root: string, args: string[]): Promise<ResolvedImage[]> {
  const catalog = await listImages(root);
  return args.map((arg) => resolveIn(catalog, arg));
}

export async function resolveImage(root: string, arg: string): Promise<ResolvedImage> {
  return (await resolveImages(root, [arg]))[0];
}

/** One image of `catalog` by name, digest or unique prefix; InvalidInputError naming the candidates otherwise. */
export function resolveIn(catalog: CatalogEntry[], arg: string): ResolvedImage {
  const usable = catalog.filter((e) => e.manifest && /^[0-9a-f]{64}$/.test(e.hex));
  const hexish = /^(sha256:)?([0-9a-f]{2,64})$/.exec(arg)?.[2];
  const byName = usable.filter((e) => imageName(e) === arg);
  const byDigest = hexish === undefined ? [] : usable.filter((e) => e.hex.startsWith(hexish));
  const found = byName.length > 0 ? byName : byDigest;
  if (found.length === 1) {
    return { hex: found[0].hex, entry: found[0] };
  }
  const shown = JSON.stringify(terminalLine(arg.slice(0, 200)));
  const broken = hexish?.length === 64 ? catalog.find((e) => e.hex === hexish && !e.manifest) : undefined;
  if (broken) {
    throw new InvalidInputError(
      `images/${broken.fileName} is not a valid manifest: ${terminalLine(broken.problems[0]?.message ?? 'unknown problem')}`,
    );
  }
  if (found.length > 1) {
    const listed = found
      .slice(0, 10)
      .map((e) => `  ${terminalLine(imageLabel(e.hex, e))}  ${e.manifest?.createdAt ?? ''}`);
    throw new InvalidInputError(
      `${shown} names ${found.length} images; give a longer digest prefix:\n${listed.join('\n')}${found.length > 10 ? '\n  …' : ''}`,
    );
  }
  throw new InvalidInputError(
    `no image in the catalog (images/) is named ${shown}${hexish ? ' or has a digest starting with it' : ''}`,
  );
}
