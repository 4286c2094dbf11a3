// Completion in a manifest from its JSON Schema (shared/pfimg.schema.json, also contributed for JSON files):
// the fields an object may still take, and the fixed values (schema_version, media_type, cache.layout).
// Never a formatter: a stored manifest's bytes are its digest.
import { findNodeAtLocation, getLocation, parseTree, type JSONPath } from 'jsonc-parser';
import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import schema from '../../../shared/pfimg.schema.json';
import { jsonNesting } from '../store/images/jsonText';

interface SchemaNode {
  description?: string;
  properties?: Record<string, SchemaNode>;
  const?: unknown;
  default?: unknown;
}

function schemaAt(path: JSONPath): SchemaNode | undefined {
  let node: SchemaNode | undefined = schema as SchemaNode;
  for (const segment of path) {
    node = typeof segment === 'string' ? node?.properties?.[segment] : undefined;
  }
  return node;
}

export function manifestCompletions(doc: TextDocument, offset: number): CompletionItem[] {
  const text = doc.getText();
  if (jsonNesting(text).tooDeepAt !== undefined) {
    return [];
  }
  const location = getLocation(text, offset);
  const inString = location.previousNode?.type === 'string';
  const replace = inString
    ? {
        start: doc.positionAt(location.previousNode!.offset),
        end: doc.positionAt(location.previousNode!.offset + location.previousNode!.length),
      }
    : undefined;
  const item = (label: string, insert: string, kind: CompletionItemKind, documentation?: string): CompletionItem => ({
    label,
    kind,
    documentation,
    ...(replace ? { textEdit: { range: replace, newText: insert } } : { insertText: insert }),
  });
  if (location.isAtPropertyKey) {
    const objectPath = location.path.slice(0, -1);
    const properties = schemaAt(objectPath)?.properties ?? {};
    const tree = parseTree(text);
    const object = tree && (objectPath.length === 0 ? tree : findNodeAtLocation(tree, objectPath));
    const present = new Set((object?.children ?? []).map((p) => String(p.children?.[0]?.value)));
    return Object.entries(properties)
      .filter(([name]) => !present.has(name) || name === location.path[location.path.length - 1])
      .map(([name, node]) =>
        item(name, inString ? `"${name}"` : `"${name}": `, CompletionItemKind.Property, node.description),
      );
  }
  const node = schemaAt(location.path);
  const fixed = node?.const ?? node?.default;
  return fixed === undefined
    ? []
    : [item(JSON.stringify(fixed), JSON.stringify(fixed), CompletionItemKind.Value, node?.description)];
}
