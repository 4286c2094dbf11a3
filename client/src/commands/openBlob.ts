// Opens a blob as an editor tab: text in a text editor with a fitting language, binary in the hex editor when
// it is installed (otherwise a clear message instead of a tab of garbage).
import * as vscode from 'vscode';
import { blobUri } from '../../../shared/blobUri';
import type { ContentKind } from '../../../shared/protocol';
import type { StoreApi } from '../storeApi';

const HEX_EDITOR = 'ms-vscode.hexeditor';
const LANGUAGE_OF: Partial<Record<ContentKind, string>> = {
  'image-manifest': 'pfimg',
  'fs-tree': 'json',
  'cache-pages': 'json',
  json: 'json',
  jsonl: 'jsonl',
  text: 'plaintext',
};

export async function openBlob(api: StoreApi, digest: string): Promise<vscode.TextEditor | undefined> {
  const info = await api.stat(digest);
  const uri = vscode.Uri.parse(blobUri(digest.slice(7)));
  if (info.contentKind === 'binary') {
    if (vscode.extensions.getExtension(HEX_EDITOR)) {
      await vscode.commands.executeCommand('vscode.openWith', uri, 'hexEditor.hexedit');
      return undefined;
    }
    const choice = await vscode.window.showInformationMessage(
      `${digest} holds binary data. Install the Hex Editor extension to view it, or save it to a file.`,
      'Install Hex Editor',
      'Copy Digest',
    );
    if (choice === 'Install Hex Editor') {
      await vscode.commands.executeCommand('workbench.extensions.installExtension', HEX_EDITOR);
    }
    if (choice === 'Copy Digest') {
      await vscode.env.clipboard.writeText(digest);
    }
    return undefined;
  }
  let doc = await vscode.workspace.openTextDocument(uri);
  const language = LANGUAGE_OF[info.contentKind ?? 'text'] ?? 'plaintext';
  const known = await vscode.languages.getLanguages();
  if (doc.languageId !== language && known.includes(language)) {
    doc = await vscode.languages.setTextDocumentLanguage(doc, language);
  }
  return vscode.window.showTextDocument(doc, { preview: true });
}
