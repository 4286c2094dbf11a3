// Bundles the extension (client), the language server, the store worker and the pfstore CLI into dist/.
// `--production` minifies and drops source maps; `--watch` rebuilds on change. Type-checking is `npm run typecheck`.
import * as esbuild from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

// zstd-napi loads a native .node file by a computed path, so it stays a runtime dependency.
const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  minify: production,
  sourcemap: !production,
  logLevel: 'info',
  // jsonc-parser's UMD entry requires its modules by computed paths; its ESM entry bundles cleanly.
  mainFields: ['module', 'main'],
  external: ['zstd-napi', 'zstd-napi/*'],
};

const targets = [
  { entryPoints: { extension: 'client/src/extension.ts' }, external: ['vscode'] },
  { entryPoints: { server: 'server/src/server.ts' } },
  { entryPoints: { storeWorker: 'server/src/store/storeWorker.ts' } },
  // pfstore: a launcher that runs the bundle holding the command asked for (server/src/cli/launch.ts).
  { entryPoints: { cli: 'server/src/cli/launch.ts' }, banner: { js: '#!/usr/bin/env node' } },
  { entryPoints: { cliAll: 'server/src/cli/main.ts' } },
  { entryPoints: { cliSearch: 'server/src/cli/searchMain.ts' } },
  { entryPoints: { cliVerify: 'server/src/cli/verifyMain.ts' } },
  // The AWS SDK in a file of its own, loaded on the first s3:// use (server/src/remotes/awsSdk.ts).
  { entryPoints: { awsSdk: 'server/src/remotes/awsSdk.ts' } },
  // The webview pages: browser scripts, inlined by their hosts under a nonce.
  ...['snapshot', 'effects', 'search'].map((page) => ({
    entryPoints: { [`${page}Page`]: `client/pages/${page}/main.ts` },
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  })),
].filter((t) => existsSync(Object.values(t.entryPoints)[0]));

/** The server and the CLI load the AWS SDK from its own bundle beside them, not from a copy inside their own. */
const awsSdkApart = {
  name: 'aws-sdk-apart',
  setup(build) {
    build.onResolve({ filter: /^\.\/awsSdk\.js$/ }, () => ({ path: './awsSdk.js', external: true }));
  },
};

/** Prints errors in the shape VS Code's esbuild problem matcher expects, for watch tasks. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => console.log('[watch] build started'));
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      console.log('[watch] build finished');
    });
  },
};

// The WebAssembly zstd engine sits beside the bundles that load it (scripts/build-zstd-wasm.sh makes it).
mkdirSync('dist', { recursive: true });
copyFileSync('server/wasm/zstd.wasm', 'dist/zstd.wasm');

const contexts = await Promise.all(
  targets.map((t) =>
    esbuild.context({
      ...common,
      ...t,
      external: [...common.external, ...(t.external ?? [])],
      outdir: 'dist',
      plugins: [...(t.entryPoints.awsSdk ? [] : [awsSdkApart]), ...(watch ? [problemMatcher] : [])],
    }),
  ),
);
// `--with-start`: `npm start`'s own script too, bundled beside where tsc puts it (out/scripts/start.js, so its
// paths from __dirname hold), so a start builds in a second and type-checks nothing (npm test does that).
if (process.argv.includes('--with-start')) {
  contexts.push(
    await esbuild.context({
      ...common,
      logLevel: 'warning',
      entryPoints: ['scripts/start.ts'],
      outfile: 'out/scripts/start.js',
      packages: 'external', // from node_modules as tsc's output loads them
    }),
  );
}
if (watch) {
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(contexts.map((c) => c.rebuild()));
  await Promise.all(contexts.map((c) => c.dispose()));
  if (existsSync('dist/cli.js')) chmodSync('dist/cli.js', 0o755); // the package's `pfstore` bin
}
