// The webview's handle on its host: typed with the page protocol both sides share.
import type { PageToHost } from '../../shared/snapshots/pageMessages';

interface WebviewApi<State> {
  postMessage(message: PageToHost): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): WebviewApi<State>;

/** Acquired once per page (VS Code refuses a second call). */
export function hostOf<State>(): WebviewApi<State> {
  return acquireVsCodeApi<State>();
}
