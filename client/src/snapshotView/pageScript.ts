// A webview page's built script (dist/<page>Page.js), read once from the extension's own folder per file.
import * as vscode from 'vscode';

const read = new Map<string, Promise<string>>();

export function pageScript(file: vscode.Uri): Promise<string> {
  const key = file.toString();
  let script = read.get(key);
  if (!script) {
    script = Promise.resolve(vscode.workspace.fs.readFile(file)).then((bytes) => new TextDecoder().decode(bytes));
    script.catch(() => read.delete(key)); // a failed read is tried again next time
    read.set(key, script);
  }
  return script;
}
