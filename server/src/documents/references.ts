// "Find All References" on a digest: every place the same digest is written in the open documents and in the
// store's catalog files (`images/*.json`), as LSP locations.
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Location, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findDigestsInText } from '../../../shared/blobs/digest';
import { imagesDir } from '../store/blobs/blobPaths';
import { MAX_MANIFEST_BYTES } from '../store/images/imageCatalog';
import { readRegularFile } from '../store/io/safeOpen';
import { occurrenceAt } from './digestAnalysis';

export async function referencesAt(
  documents: TextDocuments<TextDocument>,
  root: string,
  doc: TextDocument,
  offset: number,
): Promise<Location[]> {
  const hex = occurrenceAt(doc, offset)?.hex;
  if (!hex) {
    return [];
  }
  const locations: Location[] = [];
  const seen = new Set<string>();
  const addFrom = (uri: string, text: string, positionAt: (offset: number) => { line: number; character: number }) => {
    seen.add(uri);
    for (const d of findDigestsInText(text)) {
      if (d.hex === hex) {
        locations.push({ uri, range: { start: positionAt(d.start), end: positionAt(d.end) } });
      }
    }
  };
  for (const open of documents.all()) {
    addFrom(open.uri, open.getText(), (o) => open.positionAt(o));
  }
  // Catalog files not open in the editor: read from disk (regular files only, bounded).
  const dir = imagesDir(root);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names.filter((n) => n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    const uri = pathToFileURL(file).toString();
    if (seen.has(uri)) {
      continue;
    }
    const text = await readRegularFile(file, MAX_MANIFEST_BYTES)
      .then((b) => b.toString('utf8'))
      .catch(() => undefined);
    if (text !== undefined && text.includes(hex)) {
      const lineStarts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
        lineStarts.push(i + 1);
      }
      const positionAt = (o: number) => {
        let line = 0;
        while (line + 1 < lineStarts.length && lineStarts[line + 1] <= o) {
          line++;
        }
        return { line, character: o - lineStarts[line] };
      };
      addFrom(uri, text, positionAt);
    }
  }
  return locations;
}
