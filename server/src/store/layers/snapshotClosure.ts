// A snapshot's whole closure: the format's (manifest digests, then what its fs tree and cache page manifest name)
// and what pf's own closure forgets (a merge record's parent and ancestor ledgers, a CRIU record's dump). Push,
// verify --image and an image's details all walk this one, so a merged image travels and checks whole.
import type { BlobStore } from '../blobs/blobStore';
import { imageClosure, type Closure } from '../images/imageClosure';
import type { ImageManifest } from '../images/manifest';
import { layerReferences } from './layerReferences';

export async function snapshotClosure(
  store: BlobStore,
  manifest: ImageManifest,
  opts: { signal?: AbortSignal } = {},
): Promise<Closure> {
  const closure = await imageClosure(store, manifest);
  for (const ref of await layerReferences(store, manifest, opts)) {
    closure.entries.push({ layer: ref.place, hex: ref.hex });
  }
  return closure;
}
