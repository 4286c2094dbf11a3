// Hover on a digest: present or missing, sizes and ratio, what the content looks like, where the manifest
// uses it, how many images name it, and the last verify. Everything comes from cached facts or one stat.
import type { Hover, MarkupContent } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { formatDigest, shortDigest, shortHex } from '../../../shared/blobs/digest';
import { formatBytes as bytes } from '../../../shared/common/format';
import { markdownCode, markdownText } from '../../../shared/common/markdownText';
import type { BlobInfo, ContentKind, ImageSummary } from '../../../shared/protocol';
import { statBlob } from '../host/blobInfo';
import type { StoreHost } from '../host/storeHost';
import type { DigestOccurrence } from './digestAnalysis';
import { occurrenceAt } from './digestAnalysis';
import { plural } from '../../../shared/common/format';

const KIND_LABELS: Record<ContentKind, string> = {
  'image-manifest': 'snapshot image manifest (.pfimg)',
  'fs-tree': 'filesystem tree (fs.tree.v1)',
  'cache-pages': 'cache page manifest',
  json: 'JSON',
  jsonl: 'JSON lines',
  text: 'text',
  binary: 'binary data',
  empty: 'empty',
};

export async function hoverAt(host: StoreHost, doc: TextDocument, offset: number): Promise<Hover | null> {
  const occ = occurrenceAt(doc, offset);
  if (!occ) {
    return null;
  }
  const range = { start: doc.positionAt(occ.start), end: doc.positionAt(occ.end) };
  if (!occ.hex) {
    return { range, contents: markdown(`**Malformed digest**\n\n${markdownText(occ.error ?? 'not a sha256 digest')}`) };
  }
  if (occ.valueHash) {
    return {
      range,
      contents: markdown(
        "**A hash of a tool call's arguments or result**\n\nThe effects ledger keeps the SHA-256 of what the agent passed to a tool and what it got back, not the values: pf stores no blob under this digest, so there is nothing to open.",
      ),
    };
  }
  const info = await statBlob(host, occ.hex).catch(() => undefined);
  const catalog = await host.open.refs.images().catch(() => []);
  const digest = formatDigest(occ.hex);
  const lineage: Lineage = {
    snapshot: catalog.find((i) => i.digest === digest && !i.problems.some((p) => p.severity === 'error')),
    children: catalog.filter((i) => i.parents.includes(digest)),
  };
  return { range, contents: markdown(describe(occ, info, lineage)) };
}

/** The hovered digest as an image: the snapshot it is (when cataloged), and the snapshots naming it as a parent. */
export interface Lineage {
  snapshot?: ImageSummary;
  children: ImageSummary[];
}

/** The client trusts hover links to this command only (nothing else a hover shows can run anything). */
export const OPEN_SNAPSHOT_COMMAND = 'processfork.openSnapshot';

function openSnapshotLink(s: ImageSummary): string {
  const args = encodeURIComponent(JSON.stringify([s.digest]));
  return `**Snapshot ${s.name ? markdownText(s.name) : markdownCode(shortHex(s.digest))}** — [Open Snapshot](command:${OPEN_SNAPSHOT_COMMAND}?${args})`;
}

/** Places shown in the hover before "and N more". */
const SHOWN_PLACES = 3;

/**
 * "Used by 3 images: `1a2b3c4d` world.fs entry src/app.py, … and 2 more places" (accurate counts). An image
 * naming this one as its parent uses it too (lineage: compare and gc keep it for them).
 */
function usedByLine(info: BlobInfo, children: ImageSummary[] = []): string {
  const closureUsers = new Set(info.referencedBy.map((r) => r.image));
  const asParent = children
    .filter((c) => !closureUsers.has(c.digest))
    .map((c) => ({ image: c.digest, layer: `names it as its parent${c.name ? ` (${c.name})` : ''}` }));
  info = { ...info, referencedBy: [...asParent, ...info.referencedBy] };
  const images = (info.usedByImages ?? closureUsers.size) + asParent.length;
  const unknown = info.usedByUnknown ?? [];
  const cannotTell =
    unknown.length === 0
      ? ''
      : ` that can be read; could not tell for ${plural(unknown.length, 'image')} (${unknown
          .slice(0, SHOWN_PLACES)
          .map((u) => `${markdownCode(shortHex(u.image))}: ${markdownText(`its ${u.field} could not be read`)}`)
          .join(', ')}${unknown.length > SHOWN_PLACES ? ', …' : ''})`;
  const head = `Used by ${plural(images, 'image')}${cannotTell}${info.usedByImages === undefined ? ' (top-level fields; the full graph is still building)' : ''}`;
  if (info.referencedBy.length === 0) {
    return head;
  }
  const shown = info.referencedBy
    .slice(0, SHOWN_PLACES)
    .map((r) => `${markdownCode(shortHex(r.image))} ${markdownText(r.layer)}`)
    .join(', ');
  const more = info.referencedBy.length - SHOWN_PLACES;
  return `${head}: ${shown}${more > 0 ? `, and ${more}${info.referencedBy.length >= 20 ? '+' : ''} more place${more === 1 ? '' : 's'}` : ''}`;
}

export function describe(occ: DigestOccurrence, info: BlobInfo | undefined, lineage?: Lineage): string {
  const digest = formatDigest(occ.hex!);
  const lines: string[] = [];
  if (lineage?.snapshot) {
    lines.push(openSnapshotLink(lineage.snapshot));
  }
  if (!info) {
    lines.push(`**Missing** — \`${short(digest)}\` is not in the store.`);
    if (occ.layer) {
      lines.push(`Referenced here as ${markdownCode(occ.layer)}.`);
    }
    return lines.join('\n\n');
  }
  const bad = info.lastVerified && !info.lastVerified.ok;
  lines.push(`**${bad ? 'Corrupt' : 'Present'}** — \`${short(digest)}\``);
  const sizes = [`stored ${bytes(info.storedBytes)}`];
  if (info.decodedBytes !== undefined) {
    sizes.push(`decoded ${bytes(info.decodedBytes)}`);
  }
  if (info.ratio !== undefined) {
    sizes.push(`ratio ${info.ratio.toFixed(2)}×`);
  }
  lines.push(sizes.join(' · '));
  if (info.contentKind) {
    lines.push(`Looks like: ${KIND_LABELS[info.contentKind]}`);
  }
  if (occ.layer) {
    lines.push(`Layer: ${markdownCode(occ.layer)}`);
  }
  lines.push(usedByLine(info, lineage?.children));
  if (info.lastVerified) {
    const when = new Date(info.lastVerified.atMs).toISOString().replace('T', ' ').slice(0, 19);
    lines.push(
      info.lastVerified.ok
        ? `Verified ${when} UTC: OK`
        : `Verified ${when} UTC: **failed** — ${markdownText(info.lastVerified.problem ?? '')}`,
    );
  } else {
    lines.push('Not verified yet');
  }
  return lines.join('\n\n');
}

function markdown(value: string): MarkupContent {
  return { kind: 'markdown', value };
}

function short(digest: string): string {
  // The one digest shown with its tail too: a hover lists blobs that may share their first 12 hex digits.
  return `${shortDigest(digest)}${digest.slice(-6)}`;
}
