// The snapshot requests through the real server over JSON-RPC, on a store in pf's layer shapes: a snapshot by
// name with its conversation, tool calls (the edited entry found), environment and secrets (names, never values),
// pages further down, and the operator secret held in memory for ledgers signed without one embedded.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CodeActionRequest, HoverRequest, type CodeAction, type MarkupContent } from 'vscode-languageserver-protocol';
import { after, before, test } from 'node:test';
import {
  ConversationRequest,
  SessionSecretRequest,
  SnapshotRequest,
  StoreErrorCode,
  ToolCallsRequest,
  VerifyRequest,
} from '../../shared/protocol';
import type { LedgerReport, TraceReport } from '../../shared/snapshots/snapshotView';
import { entry, envText, ledgerText, traceText, writePfImage } from '../support/pfLayers';
import { startServer, type ServerSession } from '../support/serverProcess';
import { tempStore } from '../support/storeFixtures';

const SECRET = '5e'.repeat(32);
const OPERATOR = '0c'.repeat(32);
const TOKEN = `ghp_${'Yb7'.repeat(12)}`;
const MESSAGES = 250;
const CALLS = 120;

let server: ServerSession;
let root: string;

before(async () => {
  root = tempStore();
  const trace = traceText(
    Array.from({ length: MESSAGES }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `message ${i}` })),
  );
  const calls = Array.from({ length: CALLS }, (_, i) => entry(i, `tool_${i}`, i % 10 === 0 ? 'irreversible' : 'pure'));
  writePfImage(root, {
    name: 'long-session',
    createdAt: '2026-11-20T09:14:03Z',
    trace,
    ledger: ledgerText(calls, { secretHex: SECRET, tamper: { at: 70, change: (e) => (e.side_effect_class = 'pure') } }),
    env: envText({ HOME: '/home/dev', GITHUB_TOKEN: TOKEN, OPENAI_API_KEY: '<redacted>' }),
  });
  writePfImage(root, {
    name: 'operator-signed',
    createdAt: '2026-11-20T10:00:00Z',
    ledger: ledgerText(calls.slice(0, 3), { secretHex: OPERATOR, embed: false }),
  });
  server = await startServer(root);
});
after(() => server.stop());

test('a snapshot by name: conversation, tool calls with the edited entry, environment with secrets by name', async () => {
  const view = await server.connection.sendRequest(SnapshotRequest.type, { image: 'long-session' });
  assert.equal(view.name, 'long-session');
  assert.ok(!JSON.stringify(view).includes(TOKEN), "the answer carries no secret's value");
  const conv = view.conversation as TraceReport;
  assert.equal(conv.messages, MESSAGES);
  assert.equal(conv.page.length, 20);
  const calls = view.toolCalls as LedgerReport;
  assert.equal(calls.verdict, 'bad');
  assert.equal(calls.entry, 70);
  assert.equal(calls.tool, 'tool_70');
  assert.deepEqual(view.secrets, [
    { layer: 'world.env', variable: 'GITHUB_TOKEN', why: 'its value looks like a GitHub token' },
  ]);
});

test('pages further down the conversation and the tool calls', async () => {
  const page = (await server.connection.sendRequest(ConversationRequest.type, {
    image: 'long-session',
    offset: 200,
    limit: 100,
  })) as TraceReport;
  assert.equal(page.messages, MESSAGES);
  assert.deepEqual(
    page.page.map((m) => m.index),
    Array.from({ length: 50 }, (_, i) => 200 + i),
  );
  const calls = (await server.connection.sendRequest(ToolCallsRequest.type, {
    image: 'long-session',
    offset: 65,
    limit: 10,
  })) as LedgerReport;
  assert.deepEqual(
    calls.entries.map((e) => [e.index, e.chain]),
    [65, 66, 67, 68, 69, 70, 71, 72, 73, 74].map((i) => [i, i < 70 ? 'ok' : i === 70 ? 'bad' : 'unchecked']),
  );
  await assert.rejects(
    server.connection.sendRequest(ConversationRequest.type, { image: 'long-session', offset: 0, limit: 5000 }),
    (e: { code: number }) => e.code === StoreErrorCode.InvalidInput,
  );
});

test('the operator secret from the editor checks a ledger signed without an embedded one; not echoed', async () => {
  const before = await server.connection.sendRequest(SnapshotRequest.type, { image: 'operator-signed' });
  assert.equal((before.toolCalls as LedgerReport).verdict, 'skipped');
  assert.deepEqual(await server.connection.sendRequest(SessionSecretRequest.type, { secretHex: OPERATOR }), {
    set: true,
  });
  const withSecret = await server.connection.sendRequest(SnapshotRequest.type, { image: 'operator-signed' });
  assert.equal((withSecret.toolCalls as LedgerReport).verdict, 'ok');
  assert.equal((withSecret.toolCalls as LedgerReport).viaOperatorSecret, true);
  await assert.rejects(
    server.connection.sendRequest(SessionSecretRequest.type, { secretHex: 'not-hex-secret-value' }),
    (e: { message: string }) => !e.message.includes('not-hex-secret-value'),
  );
  await server.connection.sendRequest(SessionSecretRequest.type, { secretHex: null });
  const forgotten = await server.connection.sendRequest(SnapshotRequest.type, { image: 'operator-signed' });
  assert.equal((forgotten.toolCalls as LedgerReport).verdict, 'skipped');
  assert.ok(!server.logs.join('\n').includes(OPERATOR), 'the secret is never logged');
});

test("verify says what pfstore verify says: each image's tool-call record and its secrets in clear, by name", async () => {
  const store = await server.connection.sendRequest(VerifyRequest.type, { kind: 'store' });
  assert.equal(store.problems.length, 0, 'every blob is intact');
  const byName = new Map(store.images?.map((i) => [i.name, i]));
  const long = byName.get('long-session');
  assert.equal(long?.ledger, 'bad');
  assert.equal(long?.entry, 70);
  assert.equal(long?.tool, 'tool_70');
  assert.deepEqual(
    long?.secrets.map((s) => s.variable),
    ['GITHUB_TOKEN'],
  );
  assert.equal(byName.get('operator-signed')?.ledger, 'skipped');
  assert.match(store.ledgerSummary ?? '', /^effects ledgers: 0 ok \(0 via operator secret\), 1 bad, 1 skipped/);
  assert.ok(!JSON.stringify(store).includes(TOKEN), "the answer carries no secret's value");

  const one = byName.get('operator-signed')!.image;
  await server.connection.sendRequest(SessionSecretRequest.type, { secretHex: OPERATOR });
  const image = await server.connection.sendRequest(VerifyRequest.type, { kind: 'image', digest: one });
  await server.connection.sendRequest(SessionSecretRequest.type, { secretHex: null });
  assert.deepEqual(
    image.images?.map((i) => [i.name, i.ledger, i.viaOperatorSecret]),
    [['operator-signed', 'ok', true]],
  );
  const blob = await server.connection.sendRequest(VerifyRequest.type, { kind: 'blob', digest: one });
  assert.equal(blob.images, undefined, 'a blob has no ledger');
});

test('a long conversation: the first page from its first bytes (marked unchecked), then the checked count', async () => {
  const long = 60_000; // about 5 MiB: over the size whose first page is answered before the whole is read
  writePfImage(root, {
    name: 'very-long',
    createdAt: '2026-11-21T08:00:00Z',
    trace: traceText(
      Array.from({ length: long }, (_, i) => ({ role: 'user', content: `line ${i} ${'y'.repeat(70)}` })),
    ),
  });
  const first = (await server.connection.sendRequest(SnapshotRequest.type, { image: 'very-long', preview: true }))
    .conversation as TraceReport;
  assert.equal(first.preview, true);
  assert.deepEqual(
    first.page.map((m) => m.content.split(' ', 2).join(' ')),
    Array.from({ length: 20 }, (_, i) => `line ${i}`),
  );
  const whole = (await server.connection.sendRequest(SnapshotRequest.type, { image: 'very-long' }))
    .conversation as TraceReport;
  assert.equal(whole.preview, undefined);
  assert.equal(whole.messages, long);
  // A short conversation is read whole and checked even when a preview is asked for.
  const short = (await server.connection.sendRequest(SnapshotRequest.type, { image: 'long-session', preview: true }))
    .conversation as TraceReport;
  assert.equal(short.preview, undefined);
  assert.equal(short.messages, MESSAGES);
});

test('an unknown name is bad input that says so', async () => {
  await assert.rejects(
    server.connection.sendRequest(SnapshotRequest.type, { image: 'no-such-snapshot' }),
    (e: { code: number; message: string }) =>
      e.code === StoreErrorCode.InvalidInput && /is named "no-such-snapshot"/.test(e.message),
  );
});

test('diagnostics on a manifest: the broken tool-call record and the secret in clear, at their digests', async () => {
  const image = fs
    .readdirSync(path.join(root, 'images'))
    .map((f) => fs.readFileSync(path.join(root, 'images', f), 'utf8'))
    .find((text) => text.includes('"long-session"'))!;
  const uri = pathToFileURL(path.join(root, '..', `pf-diag-${process.pid}.pfimg`)).toString();
  await server.open(uri, JSON.stringify(JSON.parse(image), null, 2));
  const d = await server.waitForDiagnostics(
    uri,
    (p) =>
      p.diagnostics.some((x) => x.code === 'ledger-bad') && p.diagnostics.some((x) => x.code === 'secret-in-clear'),
    30_000,
  );
  const ledger = d.diagnostics.find((x) => x.code === 'ledger-bad')!;
  assert.match(String(ledger.message), /not intact at entry 70 \(tool_70\).*pf verify: effects ledger bad/);
  const secret = d.diagnostics.find((x) => x.code === 'secret-in-clear')!;
  assert.match(String(secret.message), /Secret in clear in world\.env: GITHUB_TOKEN/);
  assert.ok(!JSON.stringify(d).includes(TOKEN));
});

test('a ledger that needs the operator secret: an information on the manifest, with a quick fix to set it', async () => {
  const text = fs
    .readdirSync(path.join(root, 'images'))
    .map((f) => fs.readFileSync(path.join(root, 'images', f), 'utf8'))
    .find((t) => t.includes('"operator-signed"'))!;
  const uri = pathToFileURL(path.join(root, '..', `pf-operator-${process.pid}.pfimg`)).toString();
  await server.open(uri, text);
  const d = await server.waitForDiagnostics(uri, (p) => p.diagnostics.some((x) => x.code === 'ledger-unverifiable'));
  const info = d.diagnostics.find((x) => x.code === 'ledger-unverifiable')!;
  assert.match(String(info.message), /cannot be checked: it was signed with an operator secret/);
  const actions = (await server.connection.sendRequest(CodeActionRequest.type, {
    textDocument: { uri },
    range: info.range,
    context: { diagnostics: [info] },
  })) as CodeAction[];
  assert.deepEqual(
    actions.map((a) => [a.title, a.command?.command]),
    [['Set Operator Session Secret…', 'processfork.setSessionSecret']],
  );
});

test("a hover on a snapshot's digest: its name, a link to open it, and the snapshots naming it as their parent", async () => {
  const parent = fs
    .readdirSync(path.join(root, 'images'))
    .find((f) => fs.readFileSync(path.join(root, 'images', f), 'utf8').includes('"operator-signed"'))!
    .slice(0, 64);
  const child = writePfImage(root, { name: 'after-operator', createdAt: '2026-11-22T08:00:00Z', parents: [parent] });
  const text = JSON.stringify(JSON.parse(child.json), null, 2);
  const uri = pathToFileURL(path.join(root, '..', `pf-hover-${process.pid}.pfimg`)).toString();
  await server.open(uri, text);
  const at = text.indexOf(parent) + 4;
  const hover = await eventuallyValue(async () => {
    const h = await server.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: { line: text.slice(0, at).split('\n').length - 1, character: at - text.lastIndexOf('\n', at) - 1 },
    });
    const value = (h?.contents as MarkupContent | undefined)?.value ?? '';
    return /after\\?-operator/.test(value) ? value : undefined; // the catalog is read again after the new image
  });
  const link = `command:processfork.openSnapshot?${encodeURIComponent(JSON.stringify([`sha256:${parent}`]))}`;
  const shown = hover.replace(/\\(.)/g, '$1'); // as rendered: Markdown's escapes gone
  assert.ok(shown.includes(`**Snapshot operator-signed** — [Open Snapshot](${link})`), hover);
  assert.match(shown, /Used by 1 image: `[0-9a-f]{12}` names it as its parent \(after-operator\)/);
});

async function eventuallyValue<T>(check: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 100; i++) {
    const v = await check();
    if (v !== undefined) {
      return v;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('timed out');
}
