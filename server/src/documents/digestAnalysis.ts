// Finds every `sha256:` digest in a document once per version, and for JSON documents names where each one
// sits (`model.base`, `parents[0]`, `entries[3].blob`), in one pass of jsonc-parser's visitor.
import { visit } from 'jsonc-parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { findDigestsInText } from '../../../shared/blobs/digest';
import { jsonNesting } from '../store/images/jsonText';

export interface DigestOccurrence {
  start: number;
  end: number;
  text: string;
  hex?: string;
  error?: string;
  /** JSON path of the string that holds it, for JSON documents. */
  layer?: string;
  /**
   * The hash of a value, not a blob's name: a ledger entry's `args_hash` and `result_hash` are SHA-256s of the
   * call's arguments and result, which pf never stores. Shown as digests, never looked up in the store.
   */
  valueHash?: boolean;
}

/** The keys whose `sha256:` values hash something that is not a blob (spec section 7, the effects ledger). */
const VALUE_HASH_KEY = /"(?:args_hash|result_hash)"\s*:\s*"$/;

export interface DocumentAnalysis {
  version: number;
  occurrences: DigestOccurrence[];
}

const cache = new Map<string, DocumentAnalysis>();

export function analyse(doc: TextDocument): DocumentAnalysis {
  const cached = cache.get(doc.uri);
  if (cached && cached.version === doc.version) {
    return cached;
  }
  const text = doc.getText();
  const occurrences: DigestOccurrence[] = findDigestsInText(text).map((d) => ({
    ...d,
    ...(VALUE_HASH_KEY.test(text.slice(Math.max(0, d.start - 40), d.start)) ? { valueHash: true } : {}),
  }));
  // Layer names need jsonc-parser's recursive visitor: not on absurdly nested text (the digests still count).
  if (occurrences.length > 0 && /^\s*[[{]/.test(text) && jsonNesting(text).tooDeepAt === undefined) {
    nameLayers(text, occurrences);
  }
  const analysis = { version: doc.version, occurrences };
  cache.set(doc.uri, analysis);
  return analysis;
}

export function forget(uri: string): void {
  cache.delete(uri);
}

export function occurrenceAt(doc: TextDocument, offset: number): DigestOccurrence | undefined {
  return analyse(doc).occurrences.find((o) => o.start <= offset && offset <= o.end);
}

export function layerName(path: Array<string | number>): string {
  return path.map((seg, i) => (typeof seg === 'number' ? `[${seg}]` : i === 0 ? seg : `.${seg}`)).join('');
}

function nameLayers(text: string, occurrences: DigestOccurrence[]): void {
  // Occurrences are in text order and so are the visitor's literals: walk both together.
  let next = 0;
  visit(text, {
    onLiteralValue(value, offset, length, _line, _char, pathSupplier) {
      if (typeof value !== 'string') {
        return;
      }
      while (next < occurrences.length && occurrences[next].start < offset) {
        next++;
      }
      while (next < occurrences.length && occurrences[next].end <= offset + length) {
        occurrences[next].layer = layerName(pathSupplier());
        next++;
      }
    },
  });
}
