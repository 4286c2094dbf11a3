// The ProcessFork store language server. Run by the extension over IPC, or on its own with
// `node dist/server.js --stdio` for any LSP client. It owns the store; the editor only asks.
import {
  StreamMessageReader,
  StreamMessageWriter,
  DidChangeConfigurationNotification,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { InitializationOptions } from '../../shared/protocol';
import { DiagnosticsPublisher } from './documents/diagnostics';
import { forget } from './documents/digestAnalysis';
import { isManifestUri, wantsDigestFeatures } from './documents/documentKinds';
import { hoverAt } from './documents/hover';
import { linksOf } from './documents/links';
import { manifestCompletions } from './documents/manifestCompletion';
import { manifestOutline } from './documents/manifestOutline';
import { referencesAt } from './documents/references';
import { registerGraphRequests } from './requests/graphRequests';
import { registerSnapshotRequests } from './requests/snapshotRequests';
import { registerLineageRequests } from './requests/lineageRequests';
import { registerEffectsRequests } from './requests/effectsRequests';
import { registerSearchRequests } from './requests/searchRequests';
import { registerStoreRequests } from './requests/storeRequests';
import { registerVerifyRequest } from './requests/verifyRequests';
import { registerPutMissingRequest } from './requests/putMissingRequests';
import { registerRemoteRequests } from './requests/remoteRequests';
import { codeActionsFor } from './documents/codeActions';
import { registerBlobProblemRequests } from './requests/blobProblemRequests';
import type { ServerSettings } from './lsp/settings';
import { DEFAULT_SETTINGS, settingsFrom } from './lsp/settings';
import { DEFAULT_MAX_BLOB_BYTES } from './store/blobs/blobStore';
import { WorkerPool } from './store/workers/workerPool';
import { StoreHost } from './host/storeHost';
import { resolveStorePath } from './store/storePath';
import { takeEditorCredentials } from './oci/editorCredentials';

// First of all: the editor's registry credentials leave the environment (nothing the server runs inherits them).
takeEditorCredentials();
const connection = createStoreConnection();

/**
 * Over --stdio the reader is ours, so a framing error (a wrong Content-Length, bytes that are not JSON) can be
 * seen: the stream is then out of step for good, so the server says why on stderr and exits non-zero, and the
 * client restarts it, instead of living on deaf. Over IPC messages are framed by Node and this cannot happen.
 */
function createStoreConnection() {
  if (!process.argv.includes('--stdio')) {
    return createConnection(ProposedFeatures.all);
  }
  const reader = new StreamMessageReader(process.stdin);
  reader.onError((err) => {
    process.stderr.write(`processfork-store: the JSON-RPC stream is corrupt (${err.message}); exiting\n`);
    process.exit(2);
  });
  return createConnection(ProposedFeatures.all, reader, new StreamMessageWriter(process.stdout));
}
const documents = new TextDocuments(TextDocument);
const pool = new WorkerPool();
const host = new StoreHost(connection, pool, DEFAULT_MAX_BLOB_BYTES);
let settings: ServerSettings = DEFAULT_SETTINGS;
let initOptions: InitializationOptions = {};
let canPullConfiguration = false;
const diagnostics = new DiagnosticsPublisher(connection, documents, host, () => settings);

connection.onInitialize((params) => {
  initOptions = (params.initializationOptions ?? {}) as InitializationOptions;
  host.trusted = initOptions.trusted !== false;
  canPullConfiguration = params.capabilities.workspace?.configuration === true;
  // Open at once so requests that come before the settings do have a store to answer from.
  void host.openStore(resolveStorePath(initOptions.storePath), { provisional: true });
  return {
    capabilities: {
      textDocumentSync: TextDocumentSyncKind.Incremental,
      hoverProvider: true,
      documentLinkProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: ['quickfix'] },
      referencesProvider: true,
      documentSymbolProvider: true,
      completionProvider: { triggerCharacters: ['"'] },
    },
    serverInfo: { name: 'processfork-store' },
  };
});

connection.onInitialized(async () => {
  if (canPullConfiguration) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: 'processfork' });
  }
  await reloadSettings();
  await host.startAnnouncing();
});

connection.onDidChangeConfiguration(async (change) => {
  await reloadSettings(change.settings?.processfork);
});

/** Settings come pulled (workspace/configuration) when the client supports it, else pushed with the change. */
async function reloadSettings(pushed?: unknown): Promise<void> {
  try {
    const section = canPullConfiguration ? await connection.workspace.getConfiguration('processfork') : pushed;
    settings = settingsFrom(section);
  } catch (err) {
    connection.console.warn(`cannot read settings, using defaults: ${(err as Error).message}`);
  }
  // An explicit path from the client wins over the setting (it is how tests and `pfstore`-style callers pin it).
  await host.openStore(resolveStorePath(initOptions.storePath, settings.storePath));
  diagnostics.refreshAll();
}

host.onChange((change) => diagnostics.onStoreChange(change));

documents.onDidOpen((e) => diagnostics.schedule(e.document));
documents.onDidChangeContent((e) => diagnostics.schedule(e.document));
documents.onDidClose((e) => {
  forget(e.document.uri);
  diagnostics.clear(e.document.uri);
});

function featureDocument(uri: string) {
  const doc = documents.get(uri);
  if (!doc || !host.isOpen || !wantsDigestFeatures(uri, host.open.root, settings.hoverAllFiles)) {
    return undefined;
  }
  return doc;
}

connection.onHover(async (params) => {
  const doc = featureDocument(params.textDocument.uri);
  if (!doc) {
    return null;
  }
  try {
    return await hoverAt(host, doc, doc.offsetAt(params.position));
  } catch (err) {
    connection.console.error(`hover failed: ${(err as Error).message}`);
    return null;
  }
});

connection.onReferences(async (params) => {
  const doc = featureDocument(params.textDocument.uri);
  if (!doc) {
    return [];
  }
  try {
    return await referencesAt(documents, host.open.root, doc, doc.offsetAt(params.position));
  } catch (err) {
    connection.console.error(`references failed: ${(err as Error).message}`);
    return [];
  }
});

/** Outline and completion are for manifests only (not every file that merely mentions digests). */
function manifestDocument(uri: string) {
  const doc = documents.get(uri);
  return doc && isManifestUri(uri, host.isOpen ? host.open.root : undefined) ? doc : undefined;
}

connection.onDocumentSymbol((params) => {
  const doc = manifestDocument(params.textDocument.uri);
  return doc ? manifestOutline(doc) : [];
});

connection.onCompletion((params) => {
  const doc = manifestDocument(params.textDocument.uri);
  return doc ? manifestCompletions(doc, doc.offsetAt(params.position)) : [];
});

connection.onDocumentLinks((params) => {
  const doc = featureDocument(params.textDocument.uri);
  return doc ? linksOf(doc) : [];
});

registerStoreRequests(connection, host);
registerVerifyRequest(connection, host);
registerPutMissingRequest(connection, host);
registerRemoteRequests(connection, host);
registerGraphRequests(connection, host);
registerLineageRequests(connection, host);
registerSnapshotRequests(connection, host);
registerEffectsRequests(connection, host);
registerSearchRequests(connection, host);
registerBlobProblemRequests(connection, host);

connection.onCodeAction((params) =>
  featureDocument(params.textDocument.uri) ? codeActionsFor(params, settings.remotes) : [],
);

connection.onShutdown(async () => {
  host.dispose();
  await pool.close();
});

// A bug in one handler must not take the store down with it; log it and keep serving.
process.on('uncaughtException', (err) => connection.console.error(`uncaught: ${err.stack ?? err.message}`));
process.on('unhandledRejection', (err) =>
  connection.console.error(`unhandled rejection: ${(err as Error)?.stack ?? String(err)}`),
);

documents.listen(connection);
connection.listen();
