// Where each snapshot of a lineage sits in the graph: its row (lineage order, parents first) and its lane. A
// snapshot keeps its lane while children of it are still to come, so the line down to a later child runs in a
// lane nothing else uses; its last child continues that lane, the others (forks) take the lowest free lane. A
// lane is free again once its snapshot has no children to come, so a long lineage stays narrow.
import type { LineageSnapshot } from '../../../shared/protocol/effects';

export interface Placed {
  row: number;
  lane: number;
}

export function placeLanes(lineage: LineageSnapshot[]): { placed: Map<string, Placed>; lanes: number } {
  const childrenLeft = new Map<string, number>();
  for (const s of lineage) {
    for (const p of new Set(s.parents)) {
      childrenLeft.set(p, (childrenLeft.get(p) ?? 0) + 1);
    }
  }
  const owner: Array<string | undefined> = [];
  const placed = new Map<string, Placed>();
  let lanes = 1;
  lineage.forEach((s, row) => {
    const parents = [...new Set(s.parents)].filter((p) => placed.has(p));
    for (const p of parents) {
      childrenLeft.set(p, (childrenLeft.get(p) ?? 1) - 1);
    }
    // A parent whose last child this is hands its lane on; its other lanes (a merge's) are freed.
    const finished = parents.filter((p) => childrenLeft.get(p) === 0 && owner[placed.get(p)!.lane] === p);
    let lane = finished.length > 0 ? placed.get(finished[0])!.lane : undefined;
    for (const p of finished.slice(1)) {
      owner[placed.get(p)!.lane] = undefined;
    }
    if (lane === undefined) {
      const free = owner.findIndex((o) => o === undefined);
      lane = free >= 0 ? free : owner.length;
    }
    owner[lane] = (childrenLeft.get(s.image) ?? 0) > 0 ? s.image : undefined;
    placed.set(s.image, { row, lane });
    lanes = Math.max(lanes, lane + 1);
  });
  return { placed, lanes };
}
