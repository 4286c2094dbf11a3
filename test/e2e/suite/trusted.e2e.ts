// The extension in a real VS Code, trusted workspace: activation, tree with paging and decorations, every
// command, blob documents, hovers and links, diagnostics after corruption and repair.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../client/src/extension';
import type { StoreNode } from '../../../client/src/tree/nodes';
import {
  blobFile,
  flipByte,
  sha256Hex,
  writeBlob,
  writeDemoImage,
  writeImage,
  writeManyBlobs,
  type ImageSpec,
} from '../../support/storeFixtures';
import { env, eventually, screenText, screenshot, test } from './harness';
import { writeDemoSnapshots } from '../../support/demoSnapshots';
import { entry, envText, ledgerText } from '../../support/pfLayerText';
import { writePfImage } from '../../support/pfLayers';
import { SERVER_NODE_FLAGS } from '../../../shared/editor/serverRuntime';

const EXTENSION_ID = 'processfork.processfork-store';
let ext: ExtensionApi;
const fixture = () =>
  JSON.parse(fs.readFileSync(path.join(env.workspace, 'fixture.json'), 'utf8')) as {
    image: string;
    corrupt: string;
    spec: Record<string, string>;
    manifestFile: string;
    bigShard: string;
    bigShardCount: number;
  };

/** The Blobs root, wherever the tree puts it (Registries come before it, so both are reachable). */
function blobsRoot(roots: StoreNode[]): StoreNode {
  return roots.find((r) => r.kind === 'root' && r.section === 'blobs')!;
}

function hoverText(hovers: vscode.Hover[]): string {
  return hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

test('activates, starts the server and reads the store', async () => {
  const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
  assert.ok(extension, 'extension not found');
  ext = await extension.activate();
  await ext.ready;
  console.log(`__pf_metric__:activation_ms:${ext.activationMs()}`);
  const status = await ext.api()!.status();
  assert.equal(status.storePath, env.store);
  assert.equal(status.state, 'ok');
  assert.equal(status.imageCount, 1);
  // Blobs are counted in the background; the count arrives in a later status.
  await eventually('the blob count', async () => ((await ext.api()!.status()).blobCount ?? 0) > 1000);
});

test('the server process runs with the flags the extension starts it with', () => {
  // The young-generation cap is what keeps a million-blob server under its memory goal; the tests and
  // benchmarks spawn the server with the same flags, so this checks the extension's own launch.
  const server = vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath + '/dist/server.js';
  const commandLines = fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      } catch {
        return []; // gone meanwhile
      }
    })
    .filter((args) => args.includes(server));
  assert.equal(commandLines.length, 1, `one server process for ${server}`);
  for (const flag of SERVER_NODE_FLAGS) {
    assert.ok(commandLines[0].includes(flag), `${flag} in ${commandLines[0].join(' ')}`);
  }
});

test('the tree shows images with their layers, and shards that page with "Show more"', async () => {
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  assert.deepEqual(
    roots.map((r) => r.kind === 'root' && r.section),
    env.remote ? ['images', 'remotes', 'blobs'] : ['images', 'blobs'],
  );
  const images = await ext.tree.getChildren(roots[0]);
  assert.equal(images.length, 1);
  assert.equal(images[0].kind, 'image');
  const layers = await ext.tree.getChildren(images[0]);
  assert.ok(layers.some((l) => l.kind === 'reference' && l.ref.layer === 'world.fs'));
  const t0 = Date.now();
  const shards = await ext.tree.getChildren(blobsRoot(roots));
  console.log(`__pf_metric__:first_tree_page_ms:${Date.now() - t0}`);
  assert.equal(shards.length, 256);
  const { bigShard } = fixture();
  const bigShardCount = fs.readdirSync(path.join(env.store, 'blobs', 'sha256', bigShard)).length;
  const shard = shards.find((s) => s.kind === 'shard' && s.shard === bigShard)!;
  assert.ok(shard);
  const page = await ext.tree.getChildren(shard);
  const more = page[page.length - 1];
  assert.equal(more.kind, 'more', 'a shard with more blobs than the page size ends in "Show more"');
  assert.equal(page.length - 1, 50);
  let focusChecked = false;
  while (true) {
    const kids = await ext.tree.getChildren(shard);
    const last = kids[kids.length - 1];
    if (last.kind !== 'more') {
      assert.equal(kids.length, bigShardCount);
      break;
    }
    const first = (await vscode.commands.executeCommand('processfork.loadMore', last)) as StoreNode | undefined;
    if (!focusChecked) {
      // Enter on "Show more…" keeps the keyboard on the first new row (it used to fall back to the top).
      assert.equal(first?.kind, 'blob');
      const view = ext.mainView.visible ? ext.mainView : ext.treeView;
      await eventually('the first new row selected', () => {
        const selected = view.selection[0];
        return selected?.kind === 'blob' && first?.kind === 'blob' && selected.blob.digest === first.blob.digest;
      });
      focusChecked = true;
    }
  }
  const item = ext.tree.getTreeItem(page[0]);
  assert.match(String(item.description), /B|KiB/);
  // Hovering an item resolves its tooltip: decoded size and compression ratio.
  const resolved = await ext.tree.resolveTreeItem(item, page[0], new vscode.CancellationTokenSource().token);
  assert.match((resolved.tooltip as vscode.MarkdownString).value, /decoded \d+ B · ratio \d+\.\d\d×/);
  await ext.treeView.reveal(images[0], { expand: true });
});

test('verify store reports the corrupt blob, marks the tree and decorates its resource', async () => {
  const { corrupt } = fixture();
  const report = (await vscode.commands.executeCommand('processfork.verifyStore')) as {
    problems: Array<{ digest: string; kind: string }>;
    checked: number;
    images?: Array<{ ledger: string }>;
  };
  assert.ok(report.checked > 1000);
  // Beyond bytes: every cataloged snapshot's tool-call record has a verdict.
  assert.ok(
    report.images && report.images.length > 0 && report.images.every((i) => /^(ok|bad|skipped)$/.test(i.ledger)),
  );
  assert.deepEqual(
    report.problems.map((p) => p.digest),
    [`sha256:${corrupt}`],
  );
  assert.ok(ext.problems.problemOf(`sha256:${corrupt}`));
  // ...and in the Problems panel, on the blob's resource.
  const inPanel = vscode.languages.getDiagnostics(vscode.Uri.parse(`processfork-blob:/sha256/${corrupt}`));
  assert.equal(inPanel.length, 1);
  assert.equal(inPanel[0].severity, vscode.DiagnosticSeverity.Error);
  const node: StoreNode = { kind: 'blob', blob: { digest: `sha256:${corrupt}`, storedBytes: 1 } };
  const item = ext.tree.getTreeItem(node);
  assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
  assert.match(String(item.description), /corrupt/);
  // The image that reaches it is marked on its own row.
  const { image } = fixture();
  await eventually('the image row marked', async () => {
    const roots = (await ext.tree.getChildren()) as StoreNode[];
    const row = (await ext.tree.getChildren(roots[0])).find(
      (n) => n.kind === 'image' && n.image.digest === `sha256:${image}`,
    );
    const rowItem = row && ext.tree.getTreeItem(row);
    return (
      rowItem && /1 bad blob/.test(String(rowItem.description)) && (rowItem.iconPath as vscode.ThemeIcon).id === 'error'
    );
  });
});

test('hover and links on a manifest, through the editor API', async () => {
  const { manifestFile, spec } = fixture();
  const doc = await vscode.workspace.openTextDocument(manifestFile);
  assert.equal(doc.languageId, 'pfimg');
  const editor = await vscode.window.showTextDocument(doc);
  const offset = doc.getText().indexOf(spec.fs) + 4;
  const position = doc.positionAt(offset);
  const hovers = await eventually('a hover', async () => {
    const h = (await vscode.commands.executeCommand(
      'vscode.executeHoverProvider',
      doc.uri,
      position,
    )) as vscode.Hover[];
    return h.length > 0 ? h : undefined;
  });
  const text = hoverText(hovers);
  assert.match(text, /Present/);
  assert.match(text, /world\.fs/);
  assert.match(text, /filesystem tree/);
  const links = (await vscode.commands.executeCommand('vscode.executeLinkProvider', doc.uri)) as vscode.DocumentLink[];
  assert.equal(links.length, 8);
  assert.ok(links.every((l) => l.target?.scheme === 'processfork-blob'));
  editor.selection = new vscode.Selection(position, position);
  await vscode.commands.executeCommand('editor.action.showHover');
  await screenshot('hover');
});

test('diagnostics: missing and corrupt blobs, cleared after repair', async () => {
  const { manifestFile, spec, corrupt } = fixture();
  const uri = vscode.Uri.file(manifestFile);
  const onBlob = () => vscode.languages.getDiagnostics(vscode.Uri.parse(`processfork-blob:/sha256/${corrupt}`));
  // Verify Store lists the corrupt blob (on the blob's own resource while no open manifest names it)...
  await vscode.commands.executeCommand('processfork.verifyStore');
  await vscode.window.showTextDocument(uri);
  const codes = () =>
    vscode.languages.getDiagnostics(uri).map((d) => String(typeof d.code === 'object' ? d.code.value : d.code));
  await eventually(
    'a missing-blob warning and a corrupt-blob error',
    () => codes().includes('missing-blob') && codes().includes('corrupt-blob'),
  );
  const bad = vscode.languages.getDiagnostics(uri).filter((d) => d.code === 'corrupt-blob');
  assert.equal(bad.length, 1);
  assert.equal(bad[0].severity, vscode.DiagnosticSeverity.Error);
  assert.match(bad[0].message, /corrupt-frame|hash-mismatch/);
  // ...and while a manifest that names it is open, only there: one problem, one entry in Problems. (Closing the
  // manifest brings the blob's entry back, but the editor keeps a closed document alive for minutes.)
  await eventually('the verify entry to step aside for the manifest', () => onBlob().length === 0);
  await vscode.commands.executeCommand('workbench.actions.view.problems');
  await screenshot('problems-panel');

  // Repair the corrupt blob the way a writer would (new file, rename over) and watch the error go.
  const file = blobFile(env.store, corrupt);
  const good = fs.readFileSync(path.join(env.workspace, 'repair', `${corrupt}.zst`));
  fs.writeFileSync(`${file}.repair`, good);
  fs.renameSync(`${file}.repair`, file);
  await eventually('the corrupt-blob error to clear', () => !codes().includes('corrupt-blob'));
  // Corrupt another referenced blob: the error appears without touching the document.
  flipByte(blobFile(env.store, spec.env));
  await eventually('a new corrupt-blob error', () => codes().includes('corrupt-blob'), 30_000);
});

test('a blob found corrupt when opened is marked in the tree at once, before any verify', async () => {
  const hex = writeBlob(env.store, envText({ TAG: 'opened-corrupt' }));
  const digest = `sha256:${hex}`;
  await eventually(
    'the new blob seen by the server',
    async () =>
      (await ext
        .api()!
        .stat(digest)
        .catch(() => undefined)) !== undefined,
  );
  flipByte(blobFile(env.store, hex));
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`processfork-blob:/sha256/${hex}`));
  assert.match(doc.lineAt(0).text, /^Damaged blob: this tab shows what is wrong with it, not its content/);
  assert.doesNotMatch(doc.getText(), /opened-corrupt/, 'no byte of a damaged blob is shown as its content');
  const problem = await eventually('the blob marked bad', () => ext.problems.problemOf(digest));
  assert.match(problem, /integrity|hash|corrupt|decode/i);
  const item = ext.tree.getTreeItem({ kind: 'blob', blob: { digest, storedBytes: 1 } });
  assert.equal((item.iconPath as vscode.ThemeIcon).id, 'error');
});

test("a snapshot's layer opens in a tab titled by what it is, the digest in its path", async () => {
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  const [image] = await ext.tree.getChildren(roots[0]);
  assert.equal(image.kind, 'image');
  const name = image.kind === 'image' ? image.image.name : undefined;
  assert.ok(name, 'the fixture image has a name');
  const fsRow = (await ext.tree.getChildren(image)).find((l) => l.kind === 'reference' && l.ref.layer === 'world.fs')!;
  await vscode.commands.executeCommand('processfork.openBlob', fsRow);
  const tab = await eventually('the tab', () => vscode.window.tabGroups.activeTabGroup.activeTab);
  assert.equal(tab.label, `Files · ${name}`);
  const hex = fsRow.kind === 'reference' ? fsRow.ref.digest.slice(7) : '';
  const doc = vscode.window.activeTextEditor!.document;
  assert.equal(doc.uri.path, `/sha256/${hex}/Files · ${name}`);
  // The same bytes as under the blob's own URI, and the same language by content.
  const plain = await vscode.workspace.openTextDocument(vscode.Uri.parse(`processfork-blob:/sha256/${hex}`));
  assert.equal(doc.getText(), plain.getText());
  await eventually('its language', () => doc.languageId === 'json' || undefined);
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
});

test('put the current file, then open it as a blob document', async () => {
  const file = path.join(env.workspace, 'notes.json');
  const text = '{"note":"put from the editor"}\n';
  fs.writeFileSync(file, text);
  await vscode.window.showTextDocument(vscode.Uri.file(file));
  const result = (await vscode.commands.executeCommand('processfork.putActiveFile')) as {
    digest: string;
    created: boolean;
  };
  assert.equal(result.digest, `sha256:${sha256Hex(text)}`);
  assert.ok(fs.existsSync(blobFile(env.store, sha256Hex(text))));
  const editor = (await vscode.commands.executeCommand('processfork.openBlob', result.digest)) as vscode.TextEditor;
  assert.equal(editor.document.uri.scheme, 'processfork-blob');
  assert.equal(editor.document.getText(), text);
  assert.equal(editor.document.languageId, 'json');
  // Read-only: an edit cannot be saved.
  await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(editor.document.uri, Buffer.from('x'))));
});

test('go to digest resolves a prefix and opens the blob', async () => {
  const { spec } = fixture();
  const pending = vscode.commands.executeCommand('processfork.resolveDigest', spec.procs.slice(0, 10)) as Thenable<
    string | undefined
  >;
  // Accepted as soon as the quick pick shows its match (no fixed wait: accepting an empty pick does nothing).
  await eventually('the match to be accepted', async () => {
    await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
    return vscode.window.activeTextEditor?.document.uri.path.endsWith(spec.procs);
  });
  assert.equal(await pending, `sha256:${spec.procs}`);
});

test('copy digest puts the digest on the clipboard', async () => {
  const { image } = fixture();
  await vscode.commands.executeCommand('processfork.copyDigest', {
    kind: 'image',
    image: { digest: `sha256:${image}`, fileName: '', parents: [], bytes: 0, problems: [] },
  });
  assert.equal(await vscode.env.clipboard.readText(), `sha256:${image}`);
});

test('verify one image names the layer of its broken blob', async () => {
  const { image } = fixture();
  const report = (await vscode.commands.executeCommand('processfork.verifyItem', {
    kind: 'image',
    image: { digest: `sha256:${image}`, fileName: '', parents: [], bytes: 0, problems: [] },
  })) as { problems: Array<{ layer?: string; kind: string }> };
  assert.ok(
    report.problems.some((p) => p.layer === 'world.env'),
    JSON.stringify(report.problems),
  );
});

test('the store changes on disk show up in the tree without a refresh', async () => {
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  let before = 0;
  await eventually('the blobs counted', async () => {
    const count = (await ext.api()!.status()).blobCount;
    before = count ?? 0;
    return count !== undefined;
  });
  const data = 'written by another process';
  const hex = sha256Hex(data);
  writeBlob(env.store, data);
  await eventually('the new blob count', async () => (await ext.api()!.status()).blobCount === before + 1);
  const shards = await ext.tree.getChildren(blobsRoot(roots));
  const shard = shards.find((s) => s.kind === 'shard' && s.shard === hex.slice(0, 2))!;
  // The new blob is listed in its shard, on whichever page its digest falls.
  let kids = await ext.tree.getChildren(shard);
  for (;;) {
    const last = kids[kids.length - 1];
    if (kids.some((k) => k.kind === 'blob' && k.blob.digest === `sha256:${hex}`) || last?.kind !== 'more') {
      break;
    }
    await vscode.commands.executeCommand('processfork.loadMore', last);
    kids = await ext.tree.getChildren(shard);
  }
  assert.ok(kids.some((k) => k.kind === 'blob' && k.blob.digest === `sha256:${hex}`));
});

test('a processfork.remotes entry that is not an oci:// reference is named on screen, not dropped silently', async () => {
  const config = vscode.workspace.getConfiguration('processfork');
  const before = config.get<string[]>('remotes');
  const bad = 'http://registry.example/agents';
  try {
    // In the workspace's settings: in code-server a write to the user settings drops the machine-scoped
    // store path from the effective configuration (seen here), which would move the rest of the suite.
    await config.update('remotes', [...(before ?? []), bad], vscode.ConfigurationTarget.Workspace);
    // As a toast, or in the notification center (VS Code may keep a toast back while another one shows).
    const toast = await eventually('the warning on screen', async () => {
      await vscode.commands.executeCommand('notifications.showList');
      const screen = await screenText('remotes-warning');
      return [...screen.toasts, ...screen.notifications].find((t) => t.includes(JSON.stringify(bad)));
    });
    await vscode.commands.executeCommand('notifications.hideList');
    assert.match(toast, /ignored/);
    assert.match(toast, /oci:\/\/host\[:port\]\/repo/, 'it says what an entry looks like');
    assert.match(toast, /Open Settings/, 'and offers the way there');
    // The usable entries stay: the Registries root lists only them.
    const roots = (await ext.tree.getChildren()) as StoreNode[];
    const registries = roots.find((r) => r.kind === 'root' && r.section === 'remotes');
    const listed = registries ? await ext.tree.getChildren(registries) : [];
    assert.deepEqual(
      listed.map((n) => n.kind === 'remote' && n.remote),
      (before ?? []).map((r) => r),
    );
  } finally {
    await config.update('remotes', undefined, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('notifications.clearAll');
  }
});

test('registry: the tree lists the remote image, and a missing blob is fetched by its quick fix', async () => {
  if (!env.remote) {
    throw new Error('the runner started no registry (is docker-registry installed?)');
  }
  const { manifestFile, spec, image } = fixture();
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  const registries = roots.find((r) => r.kind === 'root' && r.section === 'remotes');
  assert.ok(registries, 'a Registries root when processfork.remotes is set');
  const [remoteNode] = await ext.tree.getChildren(registries);
  const images = await ext.tree.getChildren(remoteNode);
  assert.deepEqual(
    images.map((i) => i.kind === 'remoteImage' && [i.entry.tag, i.entry.image]),
    [['e2e', `sha256:${image}`]],
  );

  const uri = vscode.Uri.file(manifestFile);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  const missing = await eventually('a missing-blob warning on model.diff', () =>
    vscode.languages.getDiagnostics(uri).find((d) => d.code === 'missing-blob' && d.message.includes('model.diff')),
  );
  const actions = (await vscode.commands.executeCommand(
    'vscode.executeCodeActionProvider',
    uri,
    missing.range,
  )) as vscode.CodeAction[];
  const fetch = actions.find((a) => a.title === `Fetch from ${env.remote}`);
  assert.ok(fetch?.command, actions.map((a) => a.title).join(', '));
  await vscode.commands.executeCommand(fetch.command.command, ...(fetch.command.arguments ?? []));
  assert.ok(fs.existsSync(blobFile(env.store, spec.diff)));
  await eventually(
    'the warning to clear',
    () =>
      !vscode.languages.getDiagnostics(uri).some((d) => d.code === 'missing-blob' && d.message.includes('model.diff')),
  );
});

test('registry: push an image with its command, then pull it back', async () => {
  if (!env.remote) {
    throw new Error('the runner started no registry');
  }
  const { image, spec } = fixture();
  // An earlier test corrupted world.env; a push refuses a closure that does not verify, so repair it first.
  const good = path.join(env.workspace, 'repair', `${spec.env}.zst`);
  if (fs.existsSync(good)) {
    fs.copyFileSync(good, blobFile(env.store, spec.env));
  }
  const imageNode: StoreNode = {
    kind: 'image',
    image: { digest: `sha256:${image}`, fileName: '', parents: [], bytes: 0, problems: [] },
  };
  // The registry and tag as arguments (two registries are configured: the prompts would ask which).
  const pushed = (await vscode.commands.executeCommand('processfork.pushImage', imageNode, env.remote, 'latest')) as
    { layers: number } | undefined;
  assert.equal(pushed?.layers, 12);
  const { images } = await ext.api()!.remoteImages(env.remote);
  assert.ok(
    images.some((i) => i.tag === 'latest' && i.image === `sha256:${image}`),
    JSON.stringify(images),
  );
  const pulled = (await vscode.commands.executeCommand('processfork.pullImage', {
    kind: 'remoteImage',
    remote: env.remote,
    entry: { tag: 'latest', image: `sha256:${image}` },
  })) as { downloaded: number; alreadyHad: number };
  assert.equal(pulled.downloaded + pulled.alreadyHad, 12);
});

test('a tag in an oci:// reference is used as given: the push asks for nothing', async () => {
  if (!env.remote) {
    throw new Error('the runner started no registry');
  }
  const { image } = fixture();
  const imageNode: StoreNode = {
    kind: 'image',
    image: { digest: `sha256:${image}`, fileName: '', parents: [], bytes: 0, problems: [] },
  };
  const pushed = (await vscode.commands.executeCommand('processfork.pushImage', imageNode, `${env.remote}:coder`)) as
    { pullRef: string } | undefined;
  assert.equal(pushed?.pullRef, `${env.remote}:coder`);
  const { images } = await ext.api()!.remoteImages(env.remote);
  assert.ok(images.some((i) => i.tag === 'coder'));
});

test('a folder registry: push by name, the Registries tree shows the snapshot by its name, and it pulls back', async () => {
  const shared = path.join(env.workspace, 'shared-snapshots');
  const { image } = fixture();
  const imageNode: StoreNode = {
    kind: 'image',
    image: { digest: `sha256:${image}`, fileName: '', parents: [], bytes: 0, problems: [] },
  };
  const pushed = (await vscode.commands.executeCommand(
    'processfork.pushImage',
    imageNode,
    `file://${shared}/from-editor`,
  )) as { pullRef: string; layers: number };
  assert.equal(pushed.pullRef, `file://${shared}/from-editor`);
  assert.ok(fs.existsSync(path.join(shared, 'from-editor', 'manifest.json')));
  const config = vscode.workspace.getConfiguration('processfork');
  const before = config.get<string[]>('remotes') ?? [];
  try {
    await config.update('remotes', [...before, `file://${shared}`], vscode.ConfigurationTarget.Workspace);
    const row = await eventually('the folder registry in the tree, its image listed', async () => {
      const roots = (await ext.tree.getChildren()) as StoreNode[];
      const registries = roots.find((r) => r.kind === 'root' && r.section === 'remotes');
      const remotes = registries ? ((await ext.tree.getChildren(registries)) as StoreNode[]) : [];
      const folder = remotes.find((r) => r.kind === 'remote' && r.remote === `file://${shared}`);
      const rows = folder ? ((await ext.tree.getChildren(folder)) as StoreNode[]) : [];
      return rows.find((r) => r.kind === 'remoteImage');
    });
    const item = ext.tree.getTreeItem(row);
    assert.equal(item.label, 'e2e', 'the snapshot by its name');
    // A picture of the Registries branch in the ProcessFork container, the folder's snapshot listed by name.
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await vscode.commands.executeCommand('processfork.storeMain.focus');
    await vscode.commands.executeCommand('workbench.actions.treeView.processfork.storeMain.collapseAll');
    await ext.mainView.reveal(row, { select: true, focus: false });
    await new Promise((r) => setTimeout(r, 1500)); // let the view paint before the picture (visual only)
    await screenshot('registries');
    const pulled = (await vscode.commands.executeCommand('processfork.pullImage', row)) as {
      image: string;
      downloaded: number;
      alreadyHad: number;
    };
    assert.equal(pulled.image, `sha256:${image}`);
    assert.equal(pulled.downloaded + pulled.alreadyHad, pushed.layers);
  } finally {
    await config.update('remotes', undefined, vscode.ConfigurationTarget.Workspace);
  }
});

test('registry with token auth: rejected saved credentials are named as such; right ones push, and it pulls', async () => {
  if (!env.tokenRemote) {
    throw new Error('the runner started no token-auth registry');
  }
  const { image } = fixture();
  await vscode.commands.executeCommand('processfork.setRemoteCredentials', env.tokenRemote, {
    username: 'pf',
    password: 'not-it',
  });
  await assert.rejects(
    ext.api()!.push(`sha256:${image}`, `${env.tokenRemote}:e2e`, undefined),
    (err: Error) =>
      /rejected the credentials \(401\): the credentials saved in the editor for 127\.0\.0\.1:\d+/.test(err.message) &&
      /Set Registry Credentials/.test(err.message) &&
      !/OCI_USERNAME/.test(err.message) &&
      !/not-it/.test(err.message),
  );
  await vscode.commands.executeCommand('processfork.setRemoteCredentials', env.tokenRemote, {
    username: 'pf',
    password: 'e2e-token-pw',
  });
  const pushed = await ext.api()!.push(`sha256:${image}`, `${env.tokenRemote}:e2e`, undefined);
  assert.equal(pushed.layers, 12);
  const { images } = await ext.api()!.remoteImages(env.tokenRemote);
  assert.deepEqual(
    images.map((i) => [i.tag, i.image, i.manifest]),
    [['e2e', `sha256:${image}`, pushed.manifestDigest]],
  );
  const pulled = await ext.api()!.pull(`${env.tokenRemote}@${pushed.manifestDigest}`, false, undefined);
  assert.equal(pulled.image, `sha256:${image}`);
});

test('gc finds nothing to remove in a clean store', async () => {
  const result = (await vscode.commands.executeCommand('processfork.gc')) as { removed: string[] };
  assert.deepEqual(result.removed, []);
});

test('Find All References on a digest, and a blob\'s "Referenced By" children in the tree', async () => {
  const { manifestFile, spec, image } = fixture();
  const doc = await vscode.workspace.openTextDocument(manifestFile);
  await vscode.window.showTextDocument(doc);
  const position = doc.positionAt(doc.getText().indexOf(spec.base) + 4);
  const locations = await eventually('references', async () => {
    const l = (await vscode.commands.executeCommand(
      'vscode.executeReferenceProvider',
      doc.uri,
      position,
    )) as vscode.Location[];
    return l.length > 0 ? l : undefined;
  });
  assert.ok(
    locations.some((l) => l.uri.fsPath === doc.uri.fsPath),
    locations.map((l) => l.uri.toString()).join(', '),
  );
  // The blob's node lists the images that reach it and where.
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  const shards = await ext.tree.getChildren(blobsRoot(roots));
  const shard = shards.find((n) => n.kind === 'shard' && n.shard === spec.base.slice(0, 2))!;
  let blobNode: StoreNode | undefined;
  for (let kids = await ext.tree.getChildren(shard); ;) {
    blobNode = kids.find((k) => k.kind === 'blob' && k.blob.digest === `sha256:${spec.base}`);
    const more = kids.find((k) => k.kind === 'more');
    if (blobNode || !more) {
      break;
    }
    await vscode.commands.executeCommand('processfork.loadMore', more);
    kids = await ext.tree.getChildren(shard);
  }
  assert.ok(blobNode, 'the base blob is in its shard');
  const uses = await ext.tree.getChildren(blobNode);
  assert.deepEqual(
    uses.map((u) => (u.kind === 'use' ? [u.image, u.places] : u.kind)),
    [[`sha256:${image}`, ['model.base']]],
  );
});

test('store statistics and unreferenced blobs, through their commands', async () => {
  const stats = (await vscode.commands.executeCommand('processfork.showStats')) as {
    blobs: number;
    images: Array<{ closureBytes: number; exclusiveBytes: number; sharedBytes: number }>;
  };
  assert.ok(stats.blobs > 1000);
  assert.equal(stats.images.length, 1);
  assert.equal(stats.images[0].closureBytes, stats.images[0].exclusiveBytes + stats.images[0].sharedBytes);
  // Rendered (the Markdown preview), its source open behind it; images by name.
  const report = vscode.workspace.textDocuments.find((d) => d.uri.path.endsWith('/Store statistics.md'));
  assert.match(report?.getText() ?? '', /# Store statistics/);
  assert.match(report?.getText() ?? '', /\| e2e \(`[0-9a-f]{12}`\) \|/);
  assert.equal(vscode.window.activeTextEditor?.document.uri.path.endsWith('/Store statistics.md') ?? false, false);
  const plan = (await vscode.commands.executeCommand('processfork.showUnreferenced')) as {
    unreferenced: { removed: unknown[]; keptYoung: number };
  };
  // The demo's filler blobs are named by no image, and were all just written: kept by the grace period.
  assert.equal(plan.unreferenced.removed.length, 0);
  assert.ok(plan.unreferenced.keptYoung > 1000);
  assert.match(vscode.window.activeTextEditor!.document.getText(), /# Unreferenced blobs: 0/);
  // The same figures on an image row's tooltip and on the Images root.
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  const [imageRow] = await ext.tree.getChildren(roots[0]);
  const source = new vscode.CancellationTokenSource();
  const item = await ext.tree.resolveTreeItem(ext.tree.getTreeItem(imageRow), imageRow, source.token);
  assert.match((item.tooltip as vscode.MarkdownString).value, /closure .* only here .* shared /);
  const rootItem = await ext.tree.resolveTreeItem(ext.tree.getTreeItem(roots[0]), roots[0], source.token);
  assert.match((rootItem.tooltip as vscode.MarkdownString).value, /blobs · raw .* dedup /);
});

test('compare with parent: the changed file opens in the diff editor between its two blob versions', async () => {
  const { image, spec } = fixture();
  // A child image whose env changed, written as pf would: blobs first, then its catalog file.
  const env2 = writeBlob(env.store, 'PATH=/usr/bin\nTAG=child\n');
  const run2 = writeBlob(env.store, '#!/bin/sh\necho child\n');
  const tree = JSON.stringify({
    kind: 'fs.tree.v1',
    entries: [{ path: 'work/run.sh', size: 22, blob: `sha256:${run2}` }],
  });
  const child = writeImage(env.store, {
    ...(spec as unknown as ImageSpec),
    fs: writeBlob(env.store, tree),
    env: env2,
    parents: [image],
  });
  const summary = await eventually('the child image in the catalog', async () =>
    (await ext.api()!.images()).images.find((i) => i.digest === `sha256:${child.hex}`),
  );
  const diff = (await vscode.commands.executeCommand('processfork.compareWithParent', {
    kind: 'image',
    image: summary,
  })) as { relation: string; layers: Array<{ layer: string }>; files: { changed: Array<{ path: string }> } };
  assert.equal(diff.relation, 'a-is-ancestor-of-b');
  assert.ok(diff.layers.some((l) => l.layer === 'world.env'));
  const changed = (diff as unknown as { files: { changed: Array<{ path: string; from: string; to: string }> } }).files
    .changed;
  assert.deepEqual(
    changed.map((c) => c.path),
    ['work/run.sh'],
  );
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  await vscode.commands.executeCommand('processfork.openFileDiff', changed[0], `sha256:${image}`, summary.digest);
  const tab = await eventually('a diff tab', async () => {
    const t = vscode.window.tabGroups.activeTabGroup.activeTab;
    return t?.input instanceof vscode.TabInputTextDiff ? t : undefined;
  });
  const input = tab.input as vscode.TabInputTextDiff;
  assert.equal(input.original.path, `/sha256/${changed[0].from.slice(7)}`);
  assert.equal(input.modified.path, `/sha256/${run2}`);
  await screenshot('compare');
  // Any two images, as GitLens compares commits: Select for Compare on one, Compare with Selected on the other
  // (here the child first, so the relation reads the other way).
  await vscode.commands.executeCommand('processfork.selectForCompare', { kind: 'image', image: summary });
  const parentSummary = (await ext.api()!.images()).images.find((i) => i.digest === `sha256:${image}`)!;
  const reverse = (await vscode.commands.executeCommand('processfork.compareWithSelected', {
    kind: 'image',
    image: parentSummary,
  })) as { relation: string; files: { changed: Array<{ path: string; from: string; to: string }> } };
  await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
  assert.equal(reverse.relation, 'b-is-ancestor-of-a');
  assert.deepEqual(
    reverse.files.changed.map((c) => [c.path, c.from, c.to]),
    changed.map((c) => [c.path, c.to, c.from]),
    'the same change, seen from the other side',
  );
  // Lineage one click away: the parent's row lists the child, the child's row lists the parent.
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  const images = await ext.tree.getChildren(roots[0]);
  const parentRow = images.find((n) => n.kind === 'image' && n.image.digest === `sha256:${image}`)!;
  const underParent = await ext.tree.getChildren(parentRow);
  assert.ok(
    underParent.some((n) => n.kind === 'image' && n.image.digest === summary.digest && n.via?.startsWith('child')),
  );
  const underChild = await ext.tree.getChildren({ kind: 'image', image: summary });
  assert.ok(
    underChild.some((n) => n.kind === 'image' && n.image.digest === `sha256:${image}` && n.via?.startsWith('parent')),
  );
});

test("an image's files as a read-only folder: list it, open a file, refuse a write", async () => {
  const { image } = fixture();
  const root = vscode.Uri.from({ scheme: 'processfork-image', path: `/${image}` });
  const top = await vscode.workspace.fs.readDirectory(root);
  assert.deepEqual(top, [['work', vscode.FileType.Directory]]);
  const work = await vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(root, 'work'));
  assert.deepEqual(work.map(([n]) => n).sort(), ['notes.txt', 'run.sh']);
  const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(root, 'work', 'run.sh'));
  assert.match(doc.getText(), /^#!\/bin\/sh/);
  await assert.rejects(
    Promise.resolve(vscode.workspace.fs.writeFile(vscode.Uri.joinPath(root, 'x'), new Uint8Array(1))),
  );
  await assert.rejects(Promise.resolve(vscode.workspace.fs.readDirectory(vscode.Uri.joinPath(root, 'nope'))));
});

test('the store in its own Activity Bar container, with room for the tree', async () => {
  await vscode.commands.executeCommand('workbench.view.extension.processfork');
  await vscode.commands.executeCommand('processfork.storeMain.focus');
  await screenshot('store-container');
  await vscode.commands.executeCommand('workbench.view.explorer');
});

test('an empty, missing or unusable store shows what to do instead of an empty tree, and a switch back restores it', async () => {
  const config = vscode.workspace.getConfiguration('processfork');
  const scratch = fs.mkdtempSync(path.join(path.dirname(env.store), 'switch-'));
  const asFile = path.join(scratch, 'a-file');
  fs.writeFileSync(asFile, 'not a store');
  const rows = async () => (await ext.tree.getChildren()) as StoreNode[];
  try {
    for (const [where, state] of [
      [path.join(scratch, 'empty'), 'empty'],
      [path.join(scratch, 'nowhere'), 'missing'],
      [asFile, 'unusable'],
    ] as const) {
      if (state === 'empty') {
        fs.mkdirSync(where);
      }
      await config.update('store.path', where, vscode.ConfigurationTarget.Global);
      await eventually(`the ${state} store`, async () => (await ext.api()!.status()).storePath === where);
      await eventually(`no rows for the ${state} store`, async () => (await rows()).length === 0);
      if (state === 'empty') {
        await vscode.commands.executeCommand('processfork.storeMain.focus');
        await screenshot('welcome-empty-store');
      }
    }
  } finally {
    await config.update('store.path', env.store, vscode.ConfigurationTarget.Global);
  }
  await eventually('the tree back on the real store', async () => (await rows()).length >= 2);
  await vscode.commands.executeCommand('workbench.view.explorer');
});

test('a binary blob opens as a hex dump without any other extension, and Save Blob As writes it whole', async () => {
  // Binary content, as model weights are (pf's CLI writes model.base as text: this blob stands for an adapter's).
  const weights = writeBlob(env.store, Buffer.alloc(4096, 7));
  await vscode.commands.executeCommand('processfork.openBlob', `sha256:${weights}`);
  const dump = await eventually('the hex dump', async () => {
    const text = vscode.window.activeTextEditor?.document.getText();
    return text?.startsWith('00000000  07 07') ? text : undefined;
  });
  assert.match(dump, /\|\.{16}\|/);
  const target = vscode.Uri.file(path.join(path.dirname(env.store), `saved-${Date.now()}.bin`));
  await vscode.commands.executeCommand('processfork.saveBlobAs', `sha256:${weights}`, target);
  assert.deepEqual(fs.readFileSync(target.fsPath), Buffer.alloc(4096, 7));
});

test('a blob gets the same language by content whatever route opens it (here: its URI, as a digest link does)', async () => {
  const { image, spec } = fixture();
  const byUri = async (hex: string) => {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`processfork-blob:/sha256/${hex}`));
    await vscode.window.showTextDocument(doc);
    return doc.uri;
  };
  const manifest = await byUri(image);
  await eventually('the manifest as a ProcessFork image', async () =>
    vscode.workspace.textDocuments.some((d) => d.uri.toString() === manifest.toString() && d.languageId === 'pfimg'),
  );
  const tree = await byUri(spec.fs);
  await eventually('the fs tree as JSON', async () =>
    vscode.workspace.textDocuments.some((d) => d.uri.toString() === tree.toString() && d.languageId === 'json'),
  );
  assert.equal(vscode.workspace.getConfiguration('editor', { languageId: 'pfimg' }).get('wordWrap'), 'on');
});

test('Open Snapshot: the conversation, tool calls with the tampered entry, secrets masked, by name and from the tree', async () => {
  // Snapshots as pf writes them, added beside the fixture while the editor runs (the watcher picks them up).
  const images = writeDemoSnapshots(env.store);
  await eventually('the named snapshots in the tree', async () => {
    const roots = (await ext.tree.getChildren()) as StoreNode[];
    const rows = (await ext.tree.getChildren(roots[0])) as StoreNode[];
    return rows.some((r) => r.kind === 'image' && r.image.name === 'before-refactor-1');
  });
  // From the palette, by name (the picker's answer given as the argument).
  const title = await vscode.commands.executeCommand<string>('processfork.openSnapshot', 'before-refactor-1');
  assert.equal(title, 'Snapshot · before-refactor-1');
  const panel = ext.snapshots.panelOf(`sha256:${images.edited.hex}`)!;
  // The suite's first webview: the editor may take a while to load its frame on a busy machine.
  await eventually('the page loaded', () => panel.pageReady || undefined, 60_000);
  const text = await eventually('the view rendered', async () => {
    const t = await panel.renderedText();
    return t.includes('Tool calls') ? t : undefined;
  });
  assert.match(text, /Tool-call record NOT intact/);
  assert.match(text, /Not intact at entry 3 \(git_commit\)/);
  assert.match(text, /Refactor `?parser\.py`? into a lexer and a grammar module/);
  assert.match(text, /secret in clear: its value looks like a GitHub token/);
  assert.ok(!text.includes('ghp_'), "the token's value is not on screen");
  assert.match(text, /Parents: before-refactor/);
  await vscode.commands.executeCommand('workbench.action.closePanel');
  await new Promise((r) => setTimeout(r, 1000)); // let the view paint before the picture (visual only)
  await screenshot('snapshot-view');

  // From the tree: the image row, its layer rows in words, and the row marked for its broken record.
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  const rows = (await ext.tree.getChildren(roots[0])) as StoreNode[];
  const before = rows.find((r) => r.kind === 'image' && r.image.name === 'before-refactor')!;
  const layers = (await ext.tree.getChildren(before)) as StoreNode[];
  const labels = layers.map((n) => String(ext.tree.getTreeItem(n).label));
  assert.ok(labels.includes('Conversation — 2 messages'), labels.join(' | '));
  assert.ok(labels.includes('Tool calls — 2, chain intact'), labels.join(' | '));
  assert.ok(labels.includes('Environment — 5 variables, 1 redacted, 1 secret in clear'), labels.join(' | '));
  assert.ok(labels.includes('Files — 3 (1 symlink)'), labels.join(' | '));
  await eventually('the tampered snapshot marked in the tree', async () => {
    const again = (await ext.tree.getChildren(roots[0])) as StoreNode[];
    const edited = again.find((r) => r.kind === 'image' && r.image.name === 'before-refactor-1');
    return edited && String(ext.tree.getTreeItem(edited).description).includes('record not intact');
  });
  await vscode.commands.executeCommand('processfork.openSnapshot', before);
  assert.ok(ext.snapshots.panelOf(`sha256:${images.before.hex}`));
  // A CodeLens above a manifest in the workspace (a pretty-printed copy: matched by name and time).
  const manifest = await vscode.workspace.openTextDocument(fixture().manifestFile);
  const lenses = await eventually('the CodeLens on the manifest', async () => {
    const found = await vscode.commands.executeCommand<vscode.CodeLens[]>(
      'vscode.executeCodeLensProvider',
      manifest.uri,
    );
    return found?.some((l) => l.command?.command === 'processfork.openSnapshot') ? found : undefined;
  });
  assert.match(
    lenses.find((l) => l.command?.command === 'processfork.openSnapshot')!.command!.title,
    /Open Snapshot · e2e/,
  );
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  for (const image of Object.values(images)) {
    if (typeof image === 'object' && 'file' in image) {
      fs.rmSync(image.file, { force: true });
    }
  }
});

test('every command the manifest declares is registered', async () => {
  const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
    contributes: { commands: Array<{ command: string }> };
  };
  const registered = new Set(await vscode.commands.getCommands(true));
  const missing = manifest.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
  assert.deepEqual(missing, []);
});

test('Show Effects of Lineage: the lineage drawn beside its calls; choosing one opens its first snapshot at that entry', async () => {
  const images = writeDemoSnapshots(env.store);
  try {
    await eventually('the named snapshots in the catalog', async () =>
      (await ext.api()!.images()).images.some((i) => i.name === 'merge:before-r+before-r'),
    );
    const title = await vscode.commands.executeCommand<string>('processfork.showEffects', 'before-refactor');
    assert.equal(title, 'Effects · before-refactor');
    const panel = ext.effects.panelOf(`sha256:${images.before.hex}`)!;
    await eventually('the page loaded', () => panel.pageReady || undefined, 60_000);
    const text = await eventually('the timeline rendered', async () => {
      const t = await panel.renderedText();
      return t.includes('distinct calls') ? t : undefined;
    });
    assert.match(text, /What before-refactor and its descendants did/);
    assert.match(text, /4 snapshots \(1 merge\)/);
    assert.match(text, /Record not intact: before-refactor-1/);
    assert.match(text, /git_commit/);
    assert.match(text, /NOT intact/, 'a call read only from the edited record says so');
    assert.ok(!/ghp_/.test(text), 'no value of any layer');
    // Choose the call that only the edited record holds, as a person would (in the page): its first snapshot
    // opens at that ledger entry, and the graph marks where it was first recorded.
    const timeline = await ext.api()!.effects('before-refactor');
    const call = timeline.calls.find((c) => c.tool === 'git_commit')!;
    await panel.select(call.key);
    await eventually('the call chosen', () => panel.selected === call.key || undefined);
    const snapshot = await eventually('its first snapshot open', () => ext.snapshots.panelOf(call.first));
    assert.equal(call.first, `sha256:${images.edited.hex}`);
    await eventually('the snapshot view rendered', async () =>
      (await snapshot.renderedText()).includes('Tool calls') ? true : undefined,
    );
    const marked = await eventually('the graph marks the first snapshot', async () => {
      const t = await panel.renderedText();
      return t.includes('first recorded here') ? t : undefined;
    });
    assert.match(marked, /before-refactor-1 first recorded here/);
    panel.panel.reveal();
    await new Promise((r) => setTimeout(r, 1000)); // let the view paint before the picture (visual only)
    await screenshot('effects-view');

    // Compare (issue 39 item 8): the two records' calls side by side in words, each headed by its verdict.
    const [left, right] = (await vscode.commands.executeCommand(
      'processfork.compareToolCalls',
      `sha256:${images.before.hex}`,
      `sha256:${images.edited.hex}`,
    )) as [vscode.Uri, vscode.Uri];
    const leftText = (await vscode.workspace.openTextDocument(left)).getText();
    const rightText = (await vscode.workspace.openTextDocument(right)).getText();
    assert.match(leftText, /^before-refactor\nRecord intact/);
    assert.match(rightText, /^before-refactor-1\nRecord NOT intact at entry 3 \(git_commit\)/);
    assert.match(rightText, /#3 {2}\S+ \S+ {2}git_commit {2}pure {2}✗ NOT intact/);
    await new Promise((r) => setTimeout(r, 1000)); // let the diff paint before the picture (visual only)
    await screenshot('compare-tool-calls');
    // Compare Snapshots… keeps its first pick: an Escape at the second step loses nothing.
    const asked = Promise.resolve(
      vscode.commands.executeCommand('processfork.compareSnapshots', `sha256:${images.edited.hex}`),
    );
    const settled = asked.then(() => true);
    await eventually('the second step dismissed', async () => {
      await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
      return Promise.race([settled, new Promise<boolean>((r) => setTimeout(() => r(false), 300))]);
    });
    assert.equal(await asked, undefined);
    const before = (await ext.api()!.images()).images.find((i) => i.name === 'before-refactor')!;
    const diff = (await vscode.commands.executeCommand('processfork.compareWithSelected', {
      kind: 'image',
      image: before,
    })) as { relation: string };
    await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.equal(diff.relation, 'b-is-ancestor-of-a', 'the first pick was kept');
  } finally {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const image of Object.values(images)) {
      if (typeof image === 'object' && 'file' in image) {
        fs.rmSync(image.file, { force: true });
      }
    }
  }
});

test('Search Snapshots: hits grouped by snapshot with verdicts; a hit opens its message marked; an error shows its column', async () => {
  const images = writeDemoSnapshots(env.store);
  try {
    await eventually('the named snapshots in the catalog', async () =>
      (await ext.api()!.images()).images.some((i) => i.name === 'merge:before-r+before-r'),
    );
    const total = await vscode.commands.executeCommand<number>('processfork.searchSnapshots', '"42 tests pass"');
    assert.ok(typeof total === 'number' && total >= 1, `matched ${total}`);
    const view = ext.search;
    await eventually('the search page loaded', () => view.pageReady || undefined, 60_000);
    const text = await eventually('the results rendered', async () => {
      const t = await view.renderedText();
      return /match/.test(t) && t.includes('42 tests pass') ? t : undefined;
    });
    assert.match(text, /message 4 · assistant/);
    assert.match(text, /record (intact|NOT intact)/);
    assert.ok(!/ghp_/.test(text), 'no secret value');
    // A hit opens its snapshot at that message, the match marked.
    const state = await eventually('the answer on screen', () => {
      const now = view.current();
      return !now.busy && now.result ? now : undefined;
    });
    const group = state.result!.snapshots.find((s) => s.hits.some((h) => h.layer === 'trace'))!;
    const hit = group.hits.find((h) => h.layer === 'trace')!;
    await view.openHit({ image: group.image, layer: 'trace', index: hit.index, highlight: '42 tests pass' });
    const panel = await eventually('the snapshot open', () => ext.snapshots.panelOf(group.image));
    await eventually('the snapshot rendered', async () =>
      (await panel.renderedText()).includes('Both modules written') ? true : undefined,
    );
    // A record not intact and a secret in clear are said beside the snapshot; names of secrets, never values.
    const secrets = await vscode.commands.executeCommand<number>('processfork.searchSnapshots', 'secret:* chain:bad');
    assert.ok(secrets! >= 1);
    const secretText = await eventually('the secret results', async () => {
      const t = await view.renderedText();
      return t.includes('secret in clear') ? t : undefined;
    });
    assert.match(secretText, /before-refactor-1/);
    assert.match(secretText, /record NOT intact/);
    assert.match(secretText, /GITHUB_TOKEN/);
    assert.ok(!/ghp_/.test(secretText));
    await vscode.commands.executeCommand('processfork.searchSnapshots', 'tool:git_commit deploy OR tests');
    // The picture with the search pane given the container's height (the store tree folded away meanwhile).
    await vscode.commands.executeCommand('processfork.storeMain.toggleVisibility');
    try {
      await new Promise((r) => setTimeout(r, 800)); // let the view paint before the picture (visual only)
      await screenshot('search-view');
    } finally {
      await vscode.commands.executeCommand('processfork.storeMain.toggleVisibility');
    }
    // A malformed query: the error names the column, with a caret under it.
    await vscode.commands.executeCommand('processfork.searchSnapshots', 'tests (tool:git_*');
    assert.equal(view.current().error?.column, 7);
    const errorText = await eventually('the error shown', async () => {
      const t = await view.renderedText();
      return t.includes('never closed') ? t : undefined;
    });
    assert.match(errorText, /tests \(tool:git_\*\n {6}\^/);
  } finally {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const image of Object.values(images)) {
      if (typeof image === 'object' && 'file' in image) {
        fs.rmSync(image.file, { force: true });
      }
    }
  }
});

test('a damaged blob opens as what is wrong, whom it hurts and what to do; each action works from there', async () => {
  const image = writeDemoImage(env.store, 'damaged-on-open');
  const hex = image.spec.messages;
  const digest = `sha256:${hex}`;
  const uri = vscode.Uri.parse(`processfork-blob:/sha256/${hex}`);
  const original = path.join(env.workspace, 'damaged-on-open.jsonl');
  fs.writeFileSync(original, '{"role":"user","content":"damaged-on-open"}\n{"role":"assistant","content":"ok"}\n');
  try {
    await eventually('the new snapshot in the catalog', async () =>
      (await ext.api()!.images()).images.some((i) => i.name === 'damaged-on-open'),
    );
    fs.truncateSync(blobFile(env.store, hex), 9);
    // The watcher's news of the change clears verdicts of the old file; let it arrive before the open checks anew.
    await eventually('the server seeing the damage', async () => (await ext.api()!.stat(digest)).storedBytes === 9);
    // Opened the way a Problems entry or a link opens it: by its URI.
    const editor = await vscode.window.showTextDocument(uri);
    const text = editor.document.getText();
    assert.match(text, /The file is cut short/);
    assert.match(text, /1 snapshot uses it\n {2}damaged-on-open \([0-9a-f]{12}…\): Conversation \(trace\.messages\)/);
    assert.match(text, /Put it again from the original file/);
    // Problems names the snapshot; its quick fixes and the tab's links offer the same next steps.
    const steps = ['Put Again from File…', 'Remove Damaged Blob…', 'Show Stored Bytes as Hex'];
    const entry = await eventually('its Problems entry, with the next steps as quick fixes', async () => {
      const found = vscode.languages.getDiagnostics(uri).find((d) => d.source === 'processfork verify');
      const fixes = found
        ? await vscode.commands.executeCommand<vscode.CodeAction[]>(
            'vscode.executeCodeActionProvider',
            uri,
            found.range,
          )
        : [];
      const titles = fixes.map((f) => f.title).filter((t) => steps.includes(t));
      return titles.length === steps.length ? found : undefined;
    });
    assert.match(entry.message, /used by snapshot damaged-on-open/);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    assert.deepEqual(
      lenses.map((l) => l.command?.title).filter((t) => steps.includes(t ?? '')),
      steps,
    );
    await new Promise((r) => setTimeout(r, 1500)); // the links above the text draw late (visual only)
    await screenshot('damaged-blob');
    // Its stored bytes, as hex: the nine bytes left, starting with zstd's magic.
    const hexView = (await vscode.commands.executeCommand(
      'processfork.showStoredBytes',
      digest,
    )) as vscode.TextDocument;
    assert.match(hexView.getText(), /9 bytes of zstd data, not decoded and not verified[\s\S]*00000000 {2}28 b5 2f fd/);
    // Put again (another file is refused: the protocol tests); the original repairs it, the tab turns into it.
    await vscode.commands.executeCommand('processfork.putBlobAgain', digest, vscode.Uri.file(original));
    await eventually(
      'the tab showing the conversation',
      () => /damaged-on-open/.test(editor.document.getText()) && !/Damaged blob/.test(editor.document.lineAt(0).text),
    );
    await eventually('the tree mark cleared', () => ext.problems.problemOf(digest) === undefined);
    // Remove: damaged again, then removed; the snapshot then misses it.
    fs.writeFileSync(blobFile(env.store, hex), 'zero bytes would be empty; this is text');
    assert.equal(await vscode.commands.executeCommand('processfork.removeBadBlob', digest, true), true);
    assert.equal(fs.existsSync(blobFile(env.store, hex)), false);
  } finally {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(image.file, { force: true });
    fs.rmSync(original, { force: true });
  }
});

test("verify's findings about a snapshot are in Problems on it, with Open Snapshot as the quick fix", async () => {
  // A snapshot whose record was edited after signing and whose environment carries a token in clear.
  const secretHex = '2d'.repeat(32);
  const calls = ['read_file', 'git_push'].map((t, i) => entry(i, t, i === 1 ? 'irreversible' : 'pure'));
  const image = writePfImage(env.store, {
    name: 'findings-in-problems',
    createdAt: '2026-11-22T10:00:00Z',
    ledger: ledgerText(calls, { secretHex, tamper: { at: 1, change: (e) => (e.tool_id = 'git_fetch') } }),
    env: envText({ GITHUB_TOKEN: `ghp_${'Pq4'.repeat(12)}`, HOME: '/home/dev' }),
  });
  const digest = `sha256:${image.hex}`;
  const uri = vscode.Uri.parse(`processfork-blob:/sha256/${image.hex}`);
  try {
    await eventually('the snapshot in the catalog', async () =>
      (await ext.api()!.images()).images.some((i) => i.name === 'findings-in-problems'),
    );
    await vscode.commands.executeCommand('processfork.verifyItem', { kind: 'image', image: { digest } });
    const found = await eventually('both findings on the snapshot', () => {
      const ds = vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'processfork verify');
      return ds.length === 2 ? ds : undefined;
    });
    await vscode.commands.executeCommand('workbench.actions.view.problems');
    await new Promise((r) => setTimeout(r, 1500)); // let the panel paint before the picture (visual only)
    await screenshot('snapshot-findings');
    const record = found.find((d) => d.code === 'record-not-intact')!;
    assert.match(record.message, /^findings-in-problems: the record of what the agent did is not intact at call 1/);
    const secret = found.find((d) => d.code === 'secret-in-clear')!;
    assert.match(secret.message, /^findings-in-problems: GITHUB_TOKEN in world\.env holds a secret in clear/);
    assert.doesNotMatch(secret.message, /ghp_/);
    // Quick fixes are asked of an open document, as a click on the Problems entry opens it first. Open, the
    // manifest carries the server's own record and secret diagnostics, which stand in for verify's (one entry
    // each, not two) and lead to the snapshot the same way.
    const editor = await vscode.window.showTextDocument(uri);
    await eventually('one entry per finding while the manifest is open', () => {
      const all = vscode.languages.getDiagnostics(uri);
      const ours = all.filter((d) => d.source === 'processfork verify').length;
      const server = all.filter((d) => d.code === 'ledger-bad' || d.code === 'secret-in-clear').length;
      return server === 2 && ours === 0 ? true : undefined;
    });
    const fixes = await vscode.commands.executeCommand<vscode.CodeAction[]>(
      'vscode.executeCodeActionProvider',
      uri,
      new vscode.Range(0, 0, editor.document.lineCount, 0),
    );
    const open = fixes.find((f) => f.title === 'Open Snapshot');
    assert.ok(open?.command, JSON.stringify(fixes.map((f) => f.title)));
    assert.equal(open.command.command, 'processfork.openSnapshot');
    const title = await vscode.commands.executeCommand(open.command.command, ...(open.command.arguments ?? []));
    assert.match(String(title), /findings-in-problems/);
  } finally {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(image.file, { force: true });
  }
});

test('a record signed with an operator secret that was not given: the hint is a button that sets it', async () => {
  const calls = ['read_file', 'run_tests'].map((t, i) => entry(i, t));
  const image = writePfImage(env.store, {
    name: 'needs-operator-secret',
    createdAt: '2026-11-22T11:00:00Z',
    ledger: ledgerText(calls, { secretHex: '6e'.repeat(32), embed: false }),
  });
  try {
    await eventually('the snapshot in the catalog', async () =>
      (await ext.api()!.images()).images.some((i) => i.name === 'needs-operator-secret'),
    );
    await vscode.commands.executeCommand('processfork.openSnapshot', `sha256:${image.hex}`);
    const panel = ext.snapshots.panelOf(`sha256:${image.hex}`)!;
    const text = await eventually('the view rendered', async () => {
      const t = await panel.renderedText();
      return t.includes('Tool calls') ? t : undefined;
    });
    assert.match(text, /Not checked: signed with an operator secret that was not given/);
    assert.match(text, /Set Operator Session Secret…/);
    await new Promise((r) => setTimeout(r, 1000)); // let the view paint before the picture (visual only)
    await screenshot('operator-secret-hint');
  } finally {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(image.file, { force: true });
  }
});

test('a picture of the view (last, when everything has loaded)', async () => {
  const { corrupt } = fixture();
  await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  await vscode.commands.executeCommand('workbench.action.closePanel');
  await vscode.commands.executeCommand('notifications.clearAll');
  // Give the Store view the height: hide the folder view for the picture.
  await vscode.commands.executeCommand('workbench.explorer.fileView.removeView').then(undefined, () => undefined);
  const roots = (await ext.tree.getChildren()) as StoreNode[];
  const images = await ext.tree.getChildren(roots[0]);
  await ext.treeView.reveal(images[0], { expand: true });
  const shard = (await ext.tree.getChildren(blobsRoot(roots))).find(
    (s) => s.kind === 'shard' && s.shard === corrupt.slice(0, 2),
  )!;
  await ext.treeView.reveal(shard, { expand: true, focus: true });
  await new Promise((r) => setTimeout(r, 2500)); // let the view paint before the picture (visual only)
  await screenshot('tree-view');
  assert.ok(ext.treeView.visible);
});

test('after a store switch, nothing of the old store shows: verdicts, problems, counts, status bar', async () => {
  const { corrupt } = fixture();
  // A bad blob in the fixture store (earlier tests repaired theirs), in the status bar and in Problems.
  const good = fs.readFileSync(path.join(env.workspace, 'repair', `${corrupt}.zst`));
  flipByte(blobFile(env.store, corrupt));
  await vscode.commands.executeCommand('processfork.verifyStore');
  await eventually('the old store marked bad', () => /\bbad\b/.test(ext.statusBarItem().text));
  assert.ok(ext.problems.problemOf(`sha256:${corrupt}`), 'the bad blob known before the switch');
  const healthy = fs.mkdtempSync(path.join(path.dirname(env.store), 'healthy-'));
  writeManyBlobs(healthy, 120, 'healthy');
  const config = vscode.workspace.getConfiguration('processfork');
  const blobsRow = async () =>
    ext.tree.getTreeItem(blobsRoot((await ext.tree.getChildren()) as StoreNode[])).description;
  /** The rendered Blobs rows, when there is at least one and every one matches. */
  const blobsRowsShown = async (expected: RegExp) => {
    const rows = (await screenText('store-switch')).panes
      .flatMap((pane) => pane.rows)
      .filter((row) => row.startsWith('Blobs'));
    return rows.length > 0 && rows.every((row) => expected.test(row)) ? rows : undefined;
  };
  try {
    await vscode.commands.executeCommand('workbench.actions.treeView.processfork.store.collapseAll');
    await config.update('store.path', healthy, vscode.ConfigurationTarget.Global);
    await eventually('the healthy store open', async () => (await ext.api()!.status()).storePath === healthy);
    assert.equal(ext.problems.count, 0, 'verdicts of the old store are gone');
    assert.equal(ext.problems.problemOf(`sha256:${corrupt}`), undefined);
    // Verify's own entries (open blob documents keep their diagnostics, recomputed against the new store).
    const verifyEntries = () =>
      vscode.languages.getDiagnostics().flatMap(([, d]) => d.filter((x) => x.source === 'processfork verify'));
    assert.deepEqual(verifyEntries(), [], 'the old store’s verify entries left Problems');
    await eventually('the status bar on the new store', () => {
      const s = ext.statusBarItem();
      return s.text.includes('120 blobs') && !/bad/.test(s.text) && s.tooltip.includes(healthy);
    });
    // The collapsed Blobs row counts the new store (it used to keep the old count until expanded).
    await eventually('the Blobs row counting the new store', async () => (await blobsRow()) === '120 blobs');
    // And the screen says so, in every view showing the tree (the Explorer's view kept the old count once).
    await eventually('the Blobs rows on screen counting the new store', () => blobsRowsShown(/^Blobs ?120 blobs$/));
    const report = (await vscode.commands.executeCommand('processfork.verifyStore')) as { checked: number };
    assert.equal(report.checked, 120);
    // Its progress notification goes with it (a screenshot once showed "Verifying … 1 of 10 blobs" after the end).
    await vscode.commands.executeCommand('notifications.showList');
    await eventually('no verify progress left on screen or in the notification center', async () => {
      const screen = await screenText('after-verify');
      const left = [...screen.toasts, ...screen.notifications].filter((t) => /Verifying /.test(t));
      if (left.length > 0) {
        console.log(`still showing: ${JSON.stringify(left)}`);
      }
      return left.length === 0 ? true : undefined;
    });
    await vscode.commands.executeCommand('notifications.hideList');
    assert.doesNotMatch(ext.statusBarItem().text, /bad/);
    // A put while the row is collapsed: the count follows at once.
    await ext.api()!.put({ data: Buffer.from(`one more ${Date.now()}`).toString('base64') });
    await eventually('the Blobs row after a put', async () => (await blobsRow()) === '121 blobs');
    await eventually('the Blobs rows on screen after a put', () => blobsRowsShown(/^Blobs ?121 blobs$/));
    await vscode.commands.executeCommand('workbench.action.closePanel');
    await screenshot('store-switch');
  } finally {
    await config.update('store.path', env.store, vscode.ConfigurationTarget.Global);
    fs.writeFileSync(`${blobFile(env.store, corrupt)}.repair`, good);
    fs.renameSync(`${blobFile(env.store, corrupt)}.repair`, blobFile(env.store, corrupt));
  }
  await eventually('back on the fixture store', async () => (await ext.api()!.status()).storePath === env.store);
});

test('Add Registry adds the registry and changes nothing else: the open store and its tree stay', async () => {
  const config = () => vscode.workspace.getConfiguration('processfork');
  const before = config().inspect<string[]>('remotes');
  const folder = fs.mkdtempSync(path.join(env.workspace, 'added-registry-'));
  const added = `file://${folder}`;
  const imagesBefore = (await ext.api()!.images()).images.map((i) => i.digest).sort();
  try {
    const where = await vscode.commands.executeCommand<string>('processfork.addRegistry', added);
    assert.ok(where === 'user' || where === 'workspace', `saved in ${where}`);
    assert.ok(config().get<string[]>('remotes')?.includes(added), 'the registry is in the list');
    const registries = await eventually('the registry in the tree', async () => {
      const roots = (await ext.tree.getChildren()) as StoreNode[];
      const root = roots.find((r) => r.kind === 'root' && r.section === 'remotes');
      const listed = root ? ((await ext.tree.getChildren(root)) as StoreNode[]) : [];
      return listed.some((n) => n.kind === 'remote' && n.remote === added) ? listed : undefined;
    });
    assert.ok(registries.length >= 1);
    // The same store, the same snapshots: nothing switched under the user.
    await new Promise((r) => setTimeout(r, 1500)); // a late settings event would show by now
    assert.equal(settingsStorePath(), env.store, 'the store path setting is as it was');
    assert.equal((await ext.api()!.status()).storePath, env.store, 'the server still has the store open');
    assert.deepEqual((await ext.api()!.images()).images.map((i) => i.digest).sort(), imagesBefore);
    // Twice is once.
    assert.equal(await vscode.commands.executeCommand('processfork.addRegistry', added), undefined);
  } finally {
    await config().update('remotes', before?.workspaceValue, vscode.ConfigurationTarget.Workspace);
    await config().update('remotes', before?.globalValue, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('notifications.clearAll');
  }
  await eventually('still on the fixture store', async () => (await ext.api()!.status()).storePath === env.store);
});

function settingsStorePath(): string | undefined {
  return vscode.workspace.getConfiguration('processfork').get<string>('store.path');
}

test('Choose Store writes where the setting lives: a workspace value is replaced there, not shadowed', async () => {
  const config = () => vscode.workspace.getConfiguration('processfork');
  const other = fs.mkdtempSync(path.join(path.dirname(env.store), 'chosen-'));
  try {
    await config().update('store.path', env.store, vscode.ConfigurationTarget.Workspace);
    await vscode.commands.executeCommand('processfork.chooseStore', other);
    const inspected = config().inspect<string>('store.path');
    assert.equal(inspected?.workspaceValue, other, 'the workspace value is the chosen store');
    await eventually('the chosen store open', async () => (await ext.api()!.status()).storePath === other);
  } finally {
    await config().update('store.path', undefined, vscode.ConfigurationTarget.Workspace);
    await config().update('store.path', env.store, vscode.ConfigurationTarget.Global);
  }
  await eventually('back on the fixture store', async () => (await ext.api()!.status()).storePath === env.store);
});
