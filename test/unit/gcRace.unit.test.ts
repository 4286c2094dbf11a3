// The gc protocol (docs/architecture.md): a writer that reports a blob stored leaves it in the store whatever a
// concurrent `gc --unreferenced` does. Each test pauses one side at one step and runs the other side whole in
// that pause, then checks the blob is there and decodes to its content.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Decompressor } from 'zstd-napi';
import { FsBlobStore } from '../../server/src/store/blobs/fsBlobStore';
import { removeUnreferenced } from '../../server/src/store/analysis/unreferencedGc';
import { blobFile, pfcoreFrame, sha256Hex, tempStore } from '../support/storeFixtures';

const CONTENT = Buffer.from('{"role":"assistant","content":"the blob gc must not lose"}\n');
const HEX = sha256Hex(CONTENT);
const TWO_HOURS_AGO = new Date(Date.now() - 2 * 3600_000);

/** A store holding CONTENT as pf-core writes it, old enough for gc and referenced by no image. */
function storeWithOldBlob(): string {
  const root = tempStore();
  const file = blobFile(root, HEX);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, pfcoreFrame(CONTENT));
  fs.utimesSync(file, TWO_HOURS_AGO, TWO_HOURS_AGO);
  return root;
}

function assertStored(root: string): void {
  const file = blobFile(root, HEX);
  assert.ok(fs.existsSync(file), 'the blob put reported stored is gone');
  assert.deepEqual(new Decompressor().decompress(fs.readFileSync(file)), CONTENT);
  const leftovers = fs.readdirSync(path.dirname(file)).filter((f) => f !== `${HEX}.zst`);
  assert.deepEqual(leftovers, [], 'nothing is left aside in the shard');
}

for (const step of ['checked', 'verified'] as const) {
  test(`put paused after the blob was ${step}: a whole gc in the pause does not lose it`, async () => {
    const root = storeWithOldBlob();
    let gcRemoved = 0;
    const gcStore = new FsBlobStore(root);
    const writer = new FsBlobStore(root, {
      pauseAt: async (at) => {
        if (at === step) {
          gcRemoved = (await removeUnreferenced(gcStore)).removed.length;
        }
      },
    });
    try {
      const result = await writer.put(CONTENT);
      assert.equal(result.hex, HEX);
      assert.equal(gcRemoved, 1, 'gc did not remove the old blob in the pause: the test proves nothing');
      assert.equal(result.created, true, 'the writer found its blob gone and wrote it again');
      assertStored(root);
    } finally {
      await writer.close();
      await gcStore.close();
    }
  });
}

test('adopting a compressed file (pull, fetch) takes the same path: a blob gc removed in the pause is fetched', async () => {
  const root = storeWithOldBlob();
  const gcStore = new FsBlobStore(root);
  const writer = new FsBlobStore(root, {
    pauseAt: async (at) => {
      if (at === 'verified') {
        await removeUnreferenced(gcStore);
      }
    },
  });
  try {
    let fetched = 0;
    const wrote = await writer.adoptCompressedFile(HEX, async (temp) => {
      fetched++;
      fs.writeFileSync(temp, pfcoreFrame(CONTENT));
    });
    assert.equal(wrote, true);
    assert.equal(fetched, 1);
    assertStored(root);
  } finally {
    await writer.close();
    await gcStore.close();
  }
});

test('gc paused after planning: a put in the pause refreshes the blob, and gc keeps it', async () => {
  const root = storeWithOldBlob();
  const store = new FsBlobStore(root);
  try {
    let put: { created: boolean } | undefined;
    const result = await removeUnreferenced(store, {
      onPlanned: async () => {
        put = await store.put(CONTENT);
      },
    });
    assert.equal(put?.created, false, 'the put found the blob present (the race this test is about)');
    assert.equal(result.removed.length, 0);
    assert.equal(result.keptFreshened, 0, 'a refresh before the move is seen at the first check');
    assertStored(root);
  } finally {
    await store.close();
  }
});

test('gc paused with the blob moved aside: a put in the pause writes it again, and gc removes only its copy', async () => {
  const root = storeWithOldBlob();
  const store = new FsBlobStore(root);
  try {
    let put: { created: boolean } | undefined;
    const result = await removeUnreferenced(store, {
      onAside: async () => {
        put = await store.put(CONTENT);
      },
    });
    assert.equal(put?.created, true, 'the blob was aside, so the put wrote it');
    assert.equal(result.removed.length, 1);
    assertStored(root);
  } finally {
    await store.close();
  }
});

test("a refresh that lands between gc's last look and its move puts the blob back", async () => {
  const root = storeWithOldBlob();
  const store = new FsBlobStore(root);
  try {
    const result = await removeUnreferenced(store, {
      onAside: () => {
        // The moved file is the same inode a writer refreshed just before the move: refresh it here.
        const shard = path.dirname(blobFile(root, HEX));
        const aside = fs.readdirSync(shard).find((f) => f.startsWith(`${HEX}.tmp.`));
        assert.ok(aside, 'gc moved the blob aside under a temp name');
        const now = new Date();
        fs.utimesSync(path.join(shard, aside), now, now);
      },
    });
    assert.equal(result.removed.length, 0);
    assert.equal(result.keptFreshened, 1);
    assertStored(root);
  } finally {
    await store.close();
  }
});
