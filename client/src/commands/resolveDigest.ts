// "Go to Digest": a quick pick that checks what is typed as it is typed (a digest or a hex prefix) and
// offers the matching blobs from the server.
import * as vscode from 'vscode';
import { parseHexPrefix } from '../../../shared/blobs/digest';
import type { StoreApi } from '../connection/storeApi';

export function resolveDigest(api: StoreApi, initial = ''): Promise<string | undefined> {
  return new Promise((resolve) => {
    const pick = vscode.window.createQuickPick();
    pick.title = 'Go to Digest';
    pick.placeholder = 'sha256:… or the first hex characters of a digest';
    pick.matchOnDescription = true;
    pick.value = initial;
    let latest = 0;
    // QuickPick has no validation message in VS Code 1.100: show the message as an item that cannot be taken.
    const say = (message: string | undefined) => {
      pick.items = message ? [{ label: `$(warning) ${message}`, alwaysShow: true }] : [];
    };
    const update = async (value: string) => {
      const ticket = ++latest;
      const text = value.trim();
      if (text === '') {
        say(undefined);
        return;
      }
      try {
        parseHexPrefix(text);
      } catch (err) {
        say((err as Error).message);
        return;
      }
      pick.busy = true;
      try {
        const result = await api.resolve(text);
        if (ticket !== latest) {
          return;
        } // a newer keystroke won
        // `alwaysShow`: the filter must not hide a digest because the typed text lacks "sha256:".
        pick.items = result.matches.map((d) => ({ label: d, alwaysShow: true }));
        if (result.status === 'none') {
          say(`no blob starts with ${text}`);
        }
        pick.title = result.more
          ? `The first ${result.matches.length} matches, in digest order: type more characters to narrow them`
          : undefined;
      } catch (err) {
        if (ticket === latest) {
          say((err as Error).message);
        }
      } finally {
        if (ticket === latest) {
          pick.busy = false;
        }
      }
    };
    pick.onDidChangeValue((v) => void update(v));
    pick.onDidAccept(() => {
      const chosen = pick.selectedItems[0]?.label ?? (pick.items.length === 1 ? pick.items[0].label : undefined);
      if (!chosen?.startsWith('sha256:')) {
        return;
      }
      resolve(chosen);
      pick.hide();
    });
    pick.onDidHide(() => {
      resolve(undefined);
      pick.dispose();
    });
    pick.show();
    if (initial) {
      void update(initial);
    }
  });
}
