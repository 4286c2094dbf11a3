// The store server's life in the editor: started once on the first need (and not before: a window with no
// store, no manifests and no open view costs nothing), restarted when a setting it reads changes, and its
// status and store changes handed to whoever listens. Everything else reaches the server through `api()`.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import type { StoreChange, StoreStatus } from '../../../shared/protocol';
import { StatusNotification, StoreChangedNotification } from '../../../shared/protocol';
import { createClient, startClient, stopClient } from '../connection/languageClient';
import { StoreApi } from '../connection/storeApi';
import { log } from '../log';

type Diagnostics = (uri: vscode.Uri, diagnostics: readonly vscode.Diagnostic[]) => void;

export class StoreServer implements vscode.Disposable {
  private client?: LanguageClient;
  private storeApi?: StoreApi;
  private status?: StoreStatus;
  private started?: Promise<void>;
  private settleReady: (start: Promise<void>) => void = () => undefined;
  private readonly statusEvents = new vscode.EventEmitter<{ status: StoreStatus; moved: boolean }>();
  private readonly changeEvents = new vscode.EventEmitter<StoreChange>();
  private readonly startEvents = new vscode.EventEmitter<void>();
  private readonly startedEvents = new vscode.EventEmitter<StoreStatus>();
  /** Milliseconds from activation to the server answering its first status request. */
  activationMs?: number;
  /** Settles with the first start, whenever a need brings it. */
  readonly ready = new Promise<void>((resolve, reject) => {
    this.settleReady = (start) => void start.then(resolve, reject);
  });
  /** A status from the server; `moved` when it is of another store than the last (everything cached goes). */
  readonly onStatus = this.statusEvents.event;
  /** Blobs or images changed on disk. */
  readonly onChange = this.changeEvents.event;
  /** A (re)start begins: what was known of the last server's documents is stale. */
  readonly onWillStart = this.startEvents.event;
  /** A (re)start is done: its first status was handed out. */
  readonly onStarted = this.startedEvents.event;
  /** The server's diagnostics on a document, as they arrive (set by whoever shows them). */
  onDiagnostics: Diagnostics = () => undefined;
  /** Run when the server answers, before its first status is handed out (the operator secret goes back in). */
  onConnected: (api: StoreApi) => Promise<void> = () => Promise.resolve();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly channel: vscode.LogOutputChannel,
    private readonly activatedAt: number,
  ) {}

  api(): StoreApi | undefined {
    return this.storeApi;
  }

  /** The API, or an error a command shows when the server is not up. */
  requireApi(): StoreApi {
    if (!this.storeApi) {
      throw new Error('the store server is not running yet');
    }
    return this.storeApi;
  }

  lastStatus(): StoreStatus | undefined {
    return this.status;
  }

  /** Starts the server on the first need; a failed start is not kept, so the next need tries again. */
  ensureStarted(): Promise<void> {
    if (!this.started) {
      const attempt = this.start();
      this.started = attempt;
      this.settleReady(attempt);
      attempt.catch((err: Error) => {
        if (this.started === attempt) {
          this.started = undefined;
        }
        log.error('the store server did not start', err);
        void vscode.window.showErrorMessage(`ProcessFork: the store server did not start: ${err.message}`);
      });
    }
    return this.started;
  }

  /** Starts the server anew (a setting it reads changed, the workspace became trusted). */
  async restart(): Promise<void> {
    if (!this.started) {
      return this.ensureStarted();
    }
    this.storeApi = undefined;
    await stopClient(this.client);
    const attempt = this.start();
    this.started = attempt;
    await attempt.catch((err: Error) => {
      if (this.started === attempt) {
        this.started = undefined; // the next need tries again
      }
      void vscode.window.showErrorMessage(`ProcessFork: the store server did not restart: ${err.message}`);
    });
  }

  async stop(): Promise<void> {
    await stopClient(this.client);
  }

  dispose(): void {
    this.statusEvents.dispose();
    this.changeEvents.dispose();
    this.startEvents.dispose();
    this.startedEvents.dispose();
  }

  private async start(): Promise<void> {
    this.startEvents.fire();
    const client = await createClient(this.context, this.channel, (uri, d) => this.onDiagnostics(uri, d));
    this.client = client;
    client.onNotification(StatusNotification.type, (status) => this.statusArrived(status));
    client.onNotification(StoreChangedNotification.type, (change) => this.changeEvents.fire(change));
    await startClient(client);
    const api = new StoreApi(client);
    this.storeApi = api;
    await this.onConnected(api);
    const status = await api.status();
    this.statusArrived(status);
    this.activationMs ??= Date.now() - this.activatedAt;
    this.startedEvents.fire(status);
  }

  private statusArrived(status: StoreStatus): void {
    const moved = this.status !== undefined && this.status.storePath !== status.storePath;
    this.status = status;
    this.statusEvents.fire({ status, moved });
  }
}
