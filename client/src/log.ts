// The extension's one output channel (a LogOutputChannel: levels, timestamps, and the user's log level).
import * as vscode from 'vscode';

let channel: vscode.LogOutputChannel | undefined;

export function initLog(): vscode.LogOutputChannel {
  channel ??= vscode.window.createOutputChannel('ProcessFork Store', { log: true });
  return channel;
}

function format(value: unknown): string {
  return value instanceof Error ? (value.stack ?? value.message) : String(value);
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
