// The extension's one output channel (a LogOutputChannel: levels, timestamps, and the user's log level).
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function initLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('ProcessFork Store', { log: true });
  return channel;
}

/**
 * An error the server answered (it carries a JSON-RPC code: a refused registry, a missing blob) is expected:
 * its message says it all. Anything else is a bug here, and its stack is what a report needs.
 */
function format(value: unknown): string {
  const expected = typeof (value as { code?: unknown })?.code === 'number';
  return value instanceof Error ? ((expected ? undefined : value.stack) ?? value.message) : String(value);
}

export const log = {
  trace: (m: string) => channel?.trace(m),
  debug: (m: string) => channel?.debug(m),
  info: (m: string) => channel?.info(m),
  warn: (m: string) => channel?.warn(m),
  error(m: string, err?: unknown) {
    channel?.error(err === undefined ? m : `${m}: ${format(err)}`);
  },
  show: () => channel?.show(true),
};
