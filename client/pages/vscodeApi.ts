// The webview's handle on its host, typed with the protocol its page and host share (`Out`: what it may send).

interface WebviewApi<State, Out> {
  postMessage(message: Out): void;
  getState(): State | undefined;
  setState(state: State): void;
}

declare function acquireVsCodeApi<State, Out>(): WebviewApi<State, Out>;

/** Acquired once per page (VS Code refuses a second call). */
export function hostOf<State, Out>(): WebviewApi<State, Out> {
  return acquireVsCodeApi<State, Out>();
}
