// The Outline of a manifest: its fields as nested symbols (agent, model.base, ... parents), from jsonc-parser's
// tree. Never on a document nested deeper than the JSON depth limit (the tree is built recursively), and at
// most MAX_SYMBOLS symbols, so a huge catalog file cannot stall the server.
import { parseTree, type Node } from 'jsonc-parser';
import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { jsonNesting } from '../store/images/jsonText';
import { shortDigest } from '../../../shared/blobs/digest';

const MAX_SYMBOLS = 5000;

export function manifestOutline(doc: TextDocument): DocumentSymbol[] {
  const text = doc.getText();
  if (jsonNesting(text).tooDeepAt !== undefined) {
    return [];
  }
  const root = parseTree(text);
  if (root?.type !== 'object') {
    return [];
  }
  let budget = MAX_SYMBOLS;
  const rangeOf = (n: Node) => ({ start: doc.positionAt(n.offset), end: doc.positionAt(n.offset + n.length) });
  const symbolsOf = (object: Node): DocumentSymbol[] => {
    const out: DocumentSymbol[] = [];
    for (const property of object.children ?? []) {
      const [key, value] = property.children ?? [];
      if (!key || budget-- <= 0) {
        break;
      }
      out.push({
        name: String(key.value),
        detail: value ? detailOf(value) : undefined,
        kind: value ? kindOf(value) : SymbolKind.Property,
        range: rangeOf(property),
        selectionRange: rangeOf(key),
        children: value?.type === 'object' ? symbolsOf(value) : undefined,
      });
    }
    return out;
  };
  return symbolsOf(root);
}

function kindOf(value: Node): SymbolKind {
  switch (value.type) {
    case 'object':
      return SymbolKind.Module;
    case 'array':
      return SymbolKind.Array;
    case 'number':
      return SymbolKind.Number;
    case 'boolean':
      return SymbolKind.Boolean;
    case 'string':
      return String(value.value).startsWith('sha256:') ? SymbolKind.Key : SymbolKind.String;
    default:
      return SymbolKind.Null;
  }
}

/** What the Outline shows beside a name: a digest shortened as the tree shows it, a value, or an item count. */
function detailOf(value: Node): string | undefined {
  if (value.type === 'array') {
    return `${value.children?.length ?? 0} item(s)`;
  }
  if (value.type === 'object') {
    return undefined;
  }
  const text = String(value.value);
  return text.startsWith('sha256:') ? shortDigest(text) : text.slice(0, 80);
}
