// The open store's reference graph, built once in the background (with progress in the editor) and then kept
// current by the watcher: an image added to or removed from the catalog updates it without a rebuild.
import type { FsBlobStore } from '../store/blobs/fsBlobStore';
import type { CatalogEntry } from '../store/images/imageCatalog';
import { ReferenceGraph } from '../store/analysis/referenceGraph';
import { progressOf } from '../../../shared/common/format';

export interface GraphProgress {
  begin(title: string): void;
  report(percent: number, message: string): void;
  done(): void;
}

export class GraphHost {
  private graph?: Promise<ReferenceGraph>;
  private built?: ReferenceGraph;
  private syncing: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: FsBlobStore,
    private readonly catalog: () => Promise<CatalogEntry[]>,
    private readonly progress: () => Promise<GraphProgress>,
  ) {}

  /** The graph, built on first use. */
  get(): Promise<ReferenceGraph> {
    if (!this.graph) {
      this.graph = this.build();
      this.graph.catch(() => (this.graph = undefined));
    }
    return this.graph.then(async (g) => {
      await this.syncing;
      return g;
    });
  }

  /** The graph if it is built, without waiting (hovers use what is there). */
  ready(): ReferenceGraph | undefined {
    return this.built;
  }

  /** Called when the catalog changed: adds and drops images, no rebuild. */
  catalogChanged(): void {
    if (!this.graph) {
      return;
    }
    const graph = this.graph;
    this.syncing = this.syncing.then(async () => {
      const g = await graph.catch(() => undefined);
      if (g) {
        await g.sync(this.store, await this.catalog());
      }
    });
  }

  private async build(): Promise<ReferenceGraph> {
    const progress = await this.progress();
    progress.begin('Building the reference graph');
    try {
      const graph = await ReferenceGraph.build(this.store, this.store.root, {
        onProgress: (done, total) =>
          progress.report(Math.floor((done / total) * 100), progressOf(done, total, 'images')),
      });
      this.built = graph;
      return graph;
    } finally {
      progress.done();
    }
  }
}
