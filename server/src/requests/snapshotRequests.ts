// Snapshots as the agent's state: the whole snapshot in its user's terms, pages of its conversation and tool
// calls, and the operator session secret the editor keeps (for ledgers signed without an embedded secret).
import type { Connection } from 'vscode-languageserver';
import type { PageParams, SessionSecretParams, SnapshotParams } from '../../../shared/protocol';
import {
  ConversationRequest,
  ImageChecksRequest,
  SessionSecretRequest,
  SnapshotRequest,
  ToolCallsRequest,
} from '../../../shared/protocol';
import type { StoreHost } from '../host/storeHost';
import { abortSignalOf, guarded, invalidInput, objectParams } from '../lsp/rpcErrors';
import { describeSnapshot } from '../store/layers/snapshot/describeSnapshot';
import { readLedger, readTrace } from '../store/layers/readLayers';
import { isSecretHex } from '../../../shared/snapshots/secretHex';

/** Items per page at most: a page of 1,000 messages of 4,000 characters is a few MiB of JSON. */
const MAX_PAGE = 1000;

export function registerSnapshotRequests(connection: Connection, host: StoreHost): void {
  const log = (m: string) => connection.console.error(m);

  connection.onRequest(
    SnapshotRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<SnapshotParams>(raw, 'snapshot');
      const { catalog, hex } = await host.open.images.resolve(imageParam(params.image));
      return describeSnapshot(host.open.store, catalog, hex, {
        operatorSecretHex: host.sessionSecretHex,
        firstMessages: pageSize(params.firstMessages ?? 20, 'firstMessages'),
        firstToolCalls: pageSize(params.firstToolCalls ?? 50, 'firstToolCalls'),
        preview: params.preview === true,
        signal: abortSignalOf(token),
      });
    }),
  );

  connection.onRequest(
    ConversationRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<PageParams>(raw, 'conversation');
      const m = await manifestOf(host, params.image);
      if (!m.trace.messages) {
        return { messages: 0, roles: [], page: [], malformed: 0 };
      }
      return readTrace(
        host.open.store,
        m.trace.messages,
        { skip: offset(params.offset), take: pageSize(params.limit, 'limit') },
        abortSignalOf(token),
      );
    }),
  );

  connection.onRequest(
    ToolCallsRequest.type,
    guarded(log, async (raw, token) => {
      const params = objectParams<PageParams>(raw, 'toolCalls');
      const m = await manifestOf(host, params.image);
      if (!m.effects.ledger) {
        return { unreadable: 'the image names no effects ledger', missing: true };
      }
      return readLedger(
        host.open.store,
        m.effects.ledger,
        {
          operatorSecretHex: host.sessionSecretHex,
          skipEntries: offset(params.offset),
          keepEntries: pageSize(params.limit, 'limit'),
        },
        abortSignalOf(token),
      );
    }),
  );

  connection.onRequest(
    ImageChecksRequest.type,
    guarded(log, async (_raw, token) => ({ images: await host.open.images.checks(abortSignalOf(token)) })),
  );

  connection.onRequest(
    SessionSecretRequest.type,
    guarded(log, async (raw) => {
      const { secretHex } = objectParams<SessionSecretParams>(raw, 'sessionSecret');
      if (secretHex !== null && (typeof secretHex !== 'string' || !isSecretHex(secretHex))) {
        throw invalidInput('the session secret must be hex (its value is not shown)');
      }
      host.sessionSecretHex = secretHex ?? undefined;
      return { set: secretHex !== null };
    }),
  );
}

async function manifestOf(host: StoreHost, image: unknown) {
  return (await host.open.images.resolve(imageParam(image))).entry.manifest;
}

function imageParam(value: unknown): string {
  if (typeof value !== 'string' || value === '') {
    throw invalidInput('image must be a snapshot name, a digest or a digest prefix');
  }
  return value;
}

function pageSize(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > MAX_PAGE) {
    throw invalidInput(`${name} must be a whole number from 0 to ${MAX_PAGE}`);
  }
  return value;
}

function offset(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidInput('offset must be a whole number of at least 0');
  }
  return value;
}
