// The open store's images, read one way for every handler: the catalog as it is on disk now (it names snapshots
// and carries their manifests, so it is read afresh, never kept), a name or digest resolved in it, and each
// image's checks for the tree's marks (its record's verdict, its secrets in clear), kept per digest and operator
// secret: an image's layers never change under its digest.
import type { ImageCheck } from '../../../shared/protocol';
import { listImages, type CatalogEntry } from '../store/images/imageCatalog';
import type { ImageManifest } from '../store/images/manifest';
import { resolveIn } from '../store/images/resolveImage';
import { checkImages } from '../store/layers/snapshot/imageChecks';
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import { imageCheckInfos } from './imageCheckInfo';
import { effectsTimeline, type EffectsTimeline } from '../store/analysis/effectsTimeline';

/** The image `arg` names in `catalog`, or undefined where it names none or several (the caller reads afresh). */
function resolveQuietly(catalog: CatalogEntry[], arg: string): { catalog: CatalogEntry[]; hex: string } | undefined {
  try {
    return { catalog, hex: resolveIn(catalog, arg).hex };
  } catch {
    return undefined;
  }
}

/** A catalog entry whose manifest was read. */
export type ImageEntry = CatalogEntry & { manifest: ImageManifest };

export class CatalogHost {
  private readonly checked = new Map<string, ImageCheck>();
  /** The last lineage's timeline (the effects panel pages through it): until the store changes, or another. */
  private timeline?: { key: string; catalog: CatalogEntry[]; answer: Promise<EffectsTimeline> };

  constructor(
    private readonly store: FsBlobStore,
    /** The operator's session secret the editor gave, if any (records signed with it check only with it). */
    private readonly operatorSecret: () => string | undefined,
  ) {}

  /** Every file of `images/`, read now (files that are not valid images included, with their problems). */
  entries(): Promise<CatalogEntry[]> {
    return listImages(this.store.root);
  }

  /** The images whose manifest was read. */
  async images(): Promise<ImageEntry[]> {
    return (await this.entries()).filter((e): e is ImageEntry => e.manifest !== undefined);
  }

  /** The image a name, digest or unique digest prefix names, with the catalog it was resolved in. */
  async resolve(arg: string): Promise<{ catalog: CatalogEntry[]; hex: string; entry: ImageEntry }> {
    const catalog = await this.entries();
    const { hex, entry } = resolveIn(catalog, arg);
    return { catalog, hex, entry: entry as ImageEntry };
  }

  /** The image with this digest, when the catalog holds it with a readable manifest. */
  async image(hex: string): Promise<ImageEntry | undefined> {
    return (await this.images()).find((e) => e.hex === hex);
  }

  /** Each image's record verdict and secrets in clear, checked once per digest and operator secret. */
  async checks(signal?: AbortSignal): Promise<ImageCheck[]> {
    const catalog = await this.images();
    const secret = this.operatorSecret();
    const keyOf = (hex: string) => `${hex}\0${secret ?? ''}`;
    const unchecked = catalog.filter((e) => !this.checked.has(keyOf(e.hex)));
    const found = await checkImages(this.store, unchecked, { operatorSecretHex: secret, signal });
    for (const check of imageCheckInfos(found)) {
      this.checked.set(keyOf(check.image.slice('sha256:'.length)), check);
    }
    return catalog.map((e) => this.checked.get(keyOf(e.hex))).filter((c): c is ImageCheck => c !== undefined);
  }

  /**
   * The effects timeline of the lineage `arg` names, with the catalog it was read from. The last one is kept for
   * its next page while nothing in the store moves (any change the watcher reports drops it); a failed or
   * cancelled read is not kept.
   */
  async effects(
    arg: string,
    signal?: AbortSignal,
    retried = false,
  ): Promise<{ catalog: CatalogEntry[]; hex: string; timeline: EffectsTimeline }> {
    // While a timeline is kept nothing in the store has moved, so its catalog still answers names: a next page
    // costs no read of every catalog file (2 s at 10,000 snapshots).
    const known = this.timeline && resolveQuietly(this.timeline.catalog, arg);
    const { catalog, hex } = known ?? (await this.resolve(arg));
    const key = `${hex}\0${this.operatorSecret() ?? ''}`;
    if (this.timeline?.key !== key) {
      const answer = effectsTimeline(this.store, catalog, hex, { operatorSecretHex: this.operatorSecret(), signal });
      const kept = { key, catalog, answer };
      this.timeline = kept;
      answer.catch(() => {
        if (this.timeline === kept) {
          this.timeline = undefined;
        }
      });
    }
    const kept = this.timeline!;
    try {
      return { catalog: kept.catalog, hex, timeline: await kept.answer };
    } catch (err) {
      // Another request's cancellation stopped the read this one shared: read it again for this one.
      if (signal?.aborted || retried) {
        throw err;
      }
      return this.effects(arg, signal, true);
    }
  }

  /** Something in the store moved: a kept timeline may no longer be what the store holds. */
  storeChanged(): void {
    this.timeline = undefined;
  }

  /** Checks made now, whatever is kept: verify's answer is never a copy. */
  async checkNow(hex: string | undefined, signal?: AbortSignal) {
    const images = (await this.images()).filter((e) => !hex || e.hex === hex);
    return checkImages(this.store, images, { operatorSecretHex: this.operatorSecret(), signal });
  }
}
