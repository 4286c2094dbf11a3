// `npm start`: a demo store (named snapshots in pf's shapes: a fork, a merge, a tampered tool-call record, a secret
// in clear, a few thousand blobs, one of them corrupt), a real VS Code
// (code-server on loopback) with the extension loaded on it, and the URL to open.
// `npm start -- --store DIR` opens your own store instead of the demo.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, startCodeServer, workbenchUrl } from './codeServer';
import { writeManyBlobs } from '../test/support/storeFixtures';
import { writeDemoSnapshots } from '../test/support/demoSnapshots';

function demoStore(base: string): { store: string; workspace: string } {
  const store = path.join(base, 'store');
  const workspace = path.join(base, 'workspace');
  if (!fs.existsSync(path.join(base, DEMO_VERSION))) {
    fs.rmSync(base, { recursive: true, force: true });
    fs.mkdirSync(workspace, { recursive: true });
    // Enough blobs that shards hold more than the smallest page (50): the tree shows "Show more…".
    writeManyBlobs(store, 15000, 'demo');
    const images = writeDemoSnapshots(store);
    fs.writeFileSync(
      path.join(workspace, 'before-refactor.pfimg'),
      JSON.stringify(JSON.parse(images.before.json), null, 2),
    );
    fs.copyFileSync(images.merged.file, path.join(workspace, 'merge.pfimg'));
    fs.writeFileSync(
      path.join(workspace, 'README.md'),
      '# ProcessFork demo\n\nA coding agent snapshotted before a refactor, forked twice and merged. Open ' +
        '`before-refactor.pfimg` and hover a digest; run "ProcessFork: Verify Store" from the view title: one ' +
        "snapshot's tool-call record was edited after it was signed, and one file blob is corrupt.\n",
    );
    fs.writeFileSync(path.join(base, DEMO_VERSION), '');
  }
  return { store, workspace };
}

/** Marks a demo store made by this version of the script (an older one is made again). */
const DEMO_VERSION = '.ready-pf-shapes';

function ownWorkspace(store: string): { store: string; workspace: string } {
  if (!fs.existsSync(store)) {
    throw new Error(`no store at ${store}`);
  }
  const images = path.join(store, 'images');
  if (fs.existsSync(images)) {
    return { store, workspace: images };
  }
  const empty = path.join(REPO_ROOT, '.vscode-test', 'own-store-workspace');
  fs.mkdirSync(empty, { recursive: true });
  return { store, workspace: empty };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const storeArg = args.indexOf('--store');
  const port = Number(process.env.PORT ?? 8080);
  execFileSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-code-server.sh')], { stdio: 'inherit' });
  // With --store, nothing of the demo: the workspace is the store's own images/ (its manifests name its own
  // blobs), or an empty folder when it has none.
  const own = storeArg >= 0 ? ownWorkspace(path.resolve(args[storeArg + 1])) : undefined;
  const demo = own ?? demoStore(path.join(REPO_ROOT, '.vscode-test', 'demo'));
  const store = demo.store;
  const server = await startCodeServer({
    folder: demo.workspace,
    port,
    userSettings: { 'processfork.store.path': store },
  });
  const url = workbenchUrl(server, demo.workspace, [
    ['extensionDevelopmentPath', `vscode-remote://127.0.0.1:${server.port}${REPO_ROOT}`],
  ]);
  process.stdout.write(
    `\nProcessFork Store is running in VS Code ${'1.100.3'} (code-server) on loopback.\n  store:     ${store}\n  workspace: ${demo.workspace}\n\nOpen this URL in a browser on this machine:\n\n  ${url}\n\nCtrl-C stops it.\n`,
  );
  const stop = () => void server.stop().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
