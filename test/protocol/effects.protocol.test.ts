// processfork/effects through the server: the lineage and its calls as the brute-force walk finds them, in pages,
// with bad input refused by code.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { EffectsRequest, StoreErrorCode } from '../../shared/protocol';
import { generate, oracle, type Store } from '../support/lineageStore';
import { entry, ledgerText, writePfImage } from '../support/pfLayers';
import { startServer, type ServerSession } from '../support/serverProcess';

let server: ServerSession;
let store: Store;

before(async () => {
  store = generate(11, 80);
  server = await startServer(store.root);
});
after(() => server.stop());

test('a lineage: its snapshots parents first, every call once with its first snapshot, merges and count', async () => {
  const root = store.snaps[0];
  const want = oracle(store, root.hex);
  const first = await server.connection.sendRequest(EffectsRequest.type, { image: root.name, limit: 7 });
  assert.equal(first.root, `sha256:${root.hex}`);
  assert.equal(first.total, want.calls.length);
  assert.equal(first.calls.length, Math.min(7, want.calls.length));
  // Every page, in time order.
  let calls = first.calls;
  for (let offset = 7; offset < first.total; offset += 7) {
    const page = await server.connection.sendRequest(EffectsRequest.type, { image: root.name, offset, limit: 7 });
    calls = calls.concat(page.calls);
  }
  const times = calls.map((c) => c.ts ?? '');
  assert.deepEqual(times, [...times].sort());
  const got = calls
    .map((c) => ({
      key: c.key,
      first: c.first.slice(7),
      merges: c.merges.map((m) => m.slice(7)).sort(),
      heldBy: c.heldBy,
      chain: c.chain,
      replayed: c.replayed,
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
  assert.deepEqual(got, want.calls);
  // The lineage: parents before children, each snapshot named, merges marked, records not intact with why.
  const order = first.lineage.map((s) => s.image.slice(7));
  for (const s of first.lineage) {
    for (const p of s.parents) {
      assert.ok(order.indexOf(p.slice(7)) < order.indexOf(s.image.slice(7)), 'a parent after its child');
    }
    const snap = store.snaps.find((x) => x.hex === s.image.slice(7))!;
    assert.equal(s.name, snap.name);
    assert.equal(s.merge, snap.mergedFrom !== undefined);
  }
  assert.deepEqual(
    first.lineage
      .filter((s) => s.notIntact)
      .map((s) => s.image.slice(7))
      .sort(),
    want.notIntact,
  );
  // A call first recorded by a plain snapshot points at its entry there.
  for (const c of calls.filter((x) => x.firstEntry !== undefined)) {
    const snap = store.snaps.find((x) => x.hex === c.first.slice(7))!;
    assert.equal(snap.entries![c.firstEntry!].idempotency_key, c.key);
  }
});

test('a fork added while the panel pages: the next request reads the lineage again (no stale timeline)', async () => {
  const root = store.snaps[0];
  const before = await server.connection.sendRequest(EffectsRequest.type, { image: root.name, limit: 1 });
  const parent = store.snaps.find((s) => s.entries && s.hex === root.hex)!;
  const added = [...parent.entries!, { ...entry(90_000, 'git_push', 'irreversible'), idempotency_key: 'late-call' }];
  const seen = server.changes.length;
  writePfImage(store.root, {
    name: 'late-fork',
    createdAt: '2026-11-21T09:00:00Z',
    parents: [root.hex],
    ledger: ledgerText(added, { secretHex: '6a'.repeat(32) }),
  });
  await server.waitFor('the catalog change', () => server.changes.slice(seen).find((c) => c.imagesChanged));
  const after = await server.connection.sendRequest(EffectsRequest.type, { image: root.name, limit: 5000 });
  assert.equal(after.total, before.total + 1);
  assert.equal(after.lineage.length, before.lineage.length + 1);
  const late = after.calls.find((c) => c.key === 'late-call')!;
  assert.equal(late.tool, 'git_push');
  assert.equal(after.lineage.find((s) => s.image === late.first)?.name, 'late-fork');
});

test('bad input is refused by code: no image, a limit past the page size, a name no snapshot has', async () => {
  const code = (p: Promise<unknown>) =>
    p.then(
      () => 0,
      (e: { code: number }) => e.code,
    );
  assert.equal(
    await code(server.connection.sendRequest(EffectsRequest.type, { image: '' })),
    StoreErrorCode.InvalidInput,
  );
  assert.equal(
    await code(server.connection.sendRequest(EffectsRequest.type, { image: store.snaps[0].name, limit: 5001 })),
    StoreErrorCode.InvalidInput,
  );
  assert.equal(
    await code(server.connection.sendRequest(EffectsRequest.type, { image: 'no-such-snapshot' })),
    StoreErrorCode.InvalidInput,
  );
});
