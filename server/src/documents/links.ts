// Every well-formed digest links to its content (`processfork-blob:` documents the client serves).
import type { DocumentLink } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { blobUri } from '../../../shared/blobs/blobUri';
import { analyse } from './digestAnalysis';

export function linksOf(doc: TextDocument): DocumentLink[] {
  return analyse(doc)
    .occurrences.filter((o) => o.hex && !o.valueHash)
    .map((o) => ({
      range: { start: doc.positionAt(o.start), end: doc.positionAt(o.end) },
      target: blobUri(o.hex!),
      tooltip: 'Open the blob content',
    }));
}
