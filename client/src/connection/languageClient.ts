// Starts the store server (dist/server.js, out of process over IPC) and restarts it only when what it was
// started with changes: the document selector (hover.allFiles) or workspace trust.
import * as vscode from 'vscode';
import type { DocumentSelector, LanguageClientOptions, ServerOptions } from 'vscode-languageclient/node';
import { LanguageClient, TransportKind } from 'vscode-languageclient/node';
import { BLOB_SCHEME } from '../../../shared/blobs/blobUri';
import type { InitializationOptions } from '../../../shared/protocol/index';
import { SERVER_NODE_FLAGS } from '../../../shared/editor/serverRuntime';
import { log } from '../log';
import { credentialsEnv } from '../settings/registryCredentials';
import { SECTION, settings } from '../settings/settings';

export const READY_CONTEXT = 'processfork:ready';

function documentSelector(): DocumentSelector {
  const selector: DocumentSelector = [
    { language: 'pfimg' },
    { scheme: 'file', pattern: '**/images/*.json' },
    { scheme: BLOB_SCHEME },
  ];
  if (settings().hoverAllFiles) {
    selector.push({ scheme: 'file' }, { scheme: 'untitled' });
  }
  return selector;
}

export async function createClient(
  context: vscode.ExtensionContext,
  outputChannel: vscode.LogOutputChannel,
  onDiagnostics: (uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]) => void,
): Promise<LanguageClient> {
  const module = context.asAbsolutePath('dist/server.js');
  // Registry credentials and the CA file go in the server's environment, never in messages (see registryCredentials.ts).
  const { remotes, caFile } = settings();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PF_REMOTE_CREDENTIALS: JSON.stringify(await credentialsEnv(context.secrets, remotes)),
  };
  if (caFile) {
    env.NODE_EXTRA_CA_CERTS = caFile;
  }
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc, options: { env, execArgv: [...SERVER_NODE_FLAGS] } },
    debug: {
      module,
      transport: TransportKind.ipc,
      options: { env, execArgv: [...SERVER_NODE_FLAGS, '--nolazy', '--inspect=6019'] },
    },
  };
  const initializationOptions: InitializationOptions = { trusted: vscode.workspace.isTrusted };
  const clientOptions: LanguageClientOptions = {
    documentSelector: documentSelector(),
    initializationOptions,
    outputChannel,
    synchronize: { configurationSection: SECTION },
    progressOnInitialization: true,
    middleware: {
      // A hover on an image's digest links to Open Snapshot: the one command its Markdown may run.
      provideHover: async (document, position, token, next) => {
        const hover = await next(document, position, token);
        for (const part of hover?.contents ?? []) {
          if (part instanceof vscode.MarkdownString) {
            part.isTrusted = { enabledCommands: ['processfork.openSnapshot'] };
          }
        }
        return hover;
      },
      // Verify's own Problems entries step aside for a blob an open manifest already reports.
      handleDiagnostics: (uri, diagnostics, next) => {
        onDiagnostics(uri, diagnostics);
        next(uri, diagnostics);
      },
    },
    initializationFailedHandler: (err) => {
      log.error('the store server failed to start', err);
      void vscode.window.showErrorMessage(
        `ProcessFork Store: the store server failed to start: ${err instanceof Error ? err.message : String(err)}`,
      );
      return false;
    },
  };
  return new LanguageClient('processfork', 'ProcessFork Store', serverOptions, clientOptions);
}

export async function startClient(client: LanguageClient): Promise<void> {
  await client.start();
  await vscode.commands.executeCommand('setContext', READY_CONTEXT, true);
  log.info('store server ready');
}

export async function stopClient(client: LanguageClient | undefined): Promise<void> {
  await vscode.commands.executeCommand('setContext', READY_CONTEXT, false);
  if (client?.isRunning()) {
    await client.stop();
  }
}

/** True when a configuration change needs the server restarted (its document selector is fixed at start). */
export function needsRestart(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration(`${SECTION}.hover.allFiles`) || e.affectsConfiguration(`${SECTION}.remote.caFile`);
}
