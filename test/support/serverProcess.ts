// Spawns the bundled language server (dist/server.js --stdio) and speaks real JSON-RPC to it, as any LSP
// client would. Tests use this instead of importing server modules, so they exercise the shipped bundle.
import './testEnv';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from 'vscode-jsonrpc/node';
import {
  InitializeRequest,
  InitializedNotification,
  ShutdownRequest,
  ExitNotification,
  type PublishDiagnosticsParams,
  PublishDiagnosticsNotification,
  DidOpenTextDocumentNotification,
  DidChangeTextDocumentNotification,
} from 'vscode-languageserver-protocol';
import type { StoreStatus, StoreChange } from '../../shared/protocol';
import { StatusNotification, StoreChangedNotification } from '../../shared/protocol';
import { SERVER_NODE_FLAGS } from '../../shared/editor/serverRuntime';

export const REPO = path.resolve(__dirname, '..', '..', '..');
/**
 * The bundles the user runs; with PF_TEST_FROM_OUT=1 (npm run coverage) the same entry points compiled by tsc
 * instead, whose source maps map line for line (c8 cannot map uncovered ranges of an esbuild bundle back).
 */
const fromOut = process.env.PF_TEST_FROM_OUT === '1';
export const SERVER_JS = fromOut
  ? path.join(REPO, 'out', 'server', 'src', 'server.js')
  : path.join(REPO, 'dist', 'server.js');
export const CLI_JS = fromOut
  ? path.join(REPO, 'out', 'server', 'src', 'cli', 'main.js')
  : path.join(REPO, 'dist', 'cli.js');

export interface ServerSession {
  connection: MessageConnection;
  child: ChildProcess;
  logs: string[];
  statuses: StoreStatus[];
  changes: StoreChange[];
  /** window/showMessage notifications (type 1 error, 2 warning, 3 info). */
  messages: Array<{ type: number; message: string }>;
  diagnostics: Map<string, PublishDiagnosticsParams>;
  /** Resolves with the next diagnostics for `uri` that satisfy `predicate`. */
  waitForDiagnostics(
    uri: string,
    predicate: (p: PublishDiagnosticsParams) => boolean,
    timeoutMs?: number,
  ): Promise<PublishDiagnosticsParams>;
  waitFor<T>(what: string, check: () => T | undefined, timeoutMs?: number): Promise<T>;
  open(uri: string, text: string, languageId?: string): Promise<void>;
  change(uri: string, version: number, text: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startServer(
  storePath: string,
  opts: { trusted?: boolean; settings?: object; env?: NodeJS.ProcessEnv } = {},
): Promise<ServerSession> {
  const child = spawn(process.execPath, [...SERVER_NODE_FLAGS, SERVER_JS, '--stdio'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  const connection = createMessageConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const logs: string[] = [];
  const statuses: StoreStatus[] = [];
  const changes: StoreChange[] = [];
  const messages: Array<{ type: number; message: string }> = [];
  const diagnostics = new Map<string, PublishDiagnosticsParams>();
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  child.stderr!.on('data', (d) => logs.push(String(d)));
  child.on('exit', (code, signal) => {
    logs.push(`server exited (code ${code}, signal ${signal})`);
    poke();
  });
  connection.onNotification('window/logMessage', (p: { message: string }) => {
    logs.push(p.message);
    poke();
  });
  connection.onNotification('window/showMessage', (m: { type: number; message: string }) => {
    messages.push(m);
    poke();
  });
  connection.onNotification(StatusNotification.type, (s) => {
    statuses.push(s);
    poke();
  });
  connection.onNotification(StoreChangedNotification.type, (c) => {
    changes.push(c);
    poke();
  });
  connection.onNotification(PublishDiagnosticsNotification.type, (p) => {
    diagnostics.set(p.uri, p);
    poke();
  });
  connection.onRequest('workspace/configuration', (p: { items: unknown[] }) => p.items.map(() => opts.settings ?? {}));
  connection.onRequest('client/registerCapability', () => null);
  connection.onRequest('window/workDoneProgress/create', () => null);
  connection.listen();

  await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: null,
    capabilities: {
      workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
      window: { workDoneProgress: true },
    },
    initializationOptions: { storePath, trusted: opts.trusted ?? true },
  });
  await connection.sendNotification(InitializedNotification.type, {});

  const waitFor = <T>(what: string, check: () => T | undefined, timeoutMs = 15000): Promise<T> =>
    new Promise((resolve, reject) => {
      const attempt = () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          waiters.delete(attempt);
          clearTimeout(timer);
          reject(new Error(`the server died while waiting for ${what}; log:\n${logs.join('\n')}`));
          return;
        }
        const v = check();
        if (v !== undefined) {
          waiters.delete(attempt);
          clearTimeout(timer);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(attempt);
        reject(new Error(`timed out waiting for ${what}; server log:\n${logs.join('\n')}`));
      }, timeoutMs);
      waiters.add(attempt);
      attempt();
    });

  const session: ServerSession = {
    connection,
    child,
    logs,
    statuses,
    changes,
    messages,
    diagnostics,
    waitFor,
    waitForDiagnostics: (uri, predicate, timeoutMs) =>
      waitFor(
        `diagnostics for ${uri}`,
        () => {
          const d = diagnostics.get(uri);
          return d && predicate(d) ? d : undefined;
        },
        timeoutMs,
      ),
    open: (uri, text, languageId = 'pfimg') =>
      connection.sendNotification(DidOpenTextDocumentNotification.type, {
        textDocument: { uri, languageId, version: 1, text },
      }),
    change: (uri, version, text) =>
      connection.sendNotification(DidChangeTextDocumentNotification.type, {
        textDocument: { uri, version },
        contentChanges: [{ text }],
      }),
    async stop() {
      try {
        await Promise.race([connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
        await connection.sendNotification(ExitNotification.type);
      } catch {
        // already gone
      }
      connection.dispose();
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        setTimeout(() => child.kill('SIGKILL'), 2000).unref();
        await exited;
      }
    },
  };
  // The first status tells us the server opened the store and talks to us.
  await waitFor('the first status notification', () => statuses[0]);
  return session;
}
