// Lint: typescript-eslint recommended, the house rules (no floating promises, eqeqeq, curly), and the layer
// boundaries of docs/architecture.md as import bans: each folder may import only the layers below it.
import tseslint from 'typescript-eslint';

/** An import ban for one layer: `layers` are folder names it must not reach, `packages` modules it must not load. */
function onlyBelow(files, { layers = [], packages = [], why }) {
  const patterns = [
    // shared/ has folders of the same names (blobs/, snapshots/): what is under shared/ is never a layer here.
    ...layers.map((layer) => ({
      group: [`**/${layer}/**`, `**/${layer}`, '!**/shared/**'],
      message: `${why} (docs/architecture.md)`,
    })),
    ...packages.map((name) => ({ group: [name, `${name}/*`], message: `${why} (docs/architecture.md)` })),
  ];
  return { files, rules: { 'no-restricted-imports': ['error', { patterns }] } };
}

const LSP = ['vscode', 'vscode-languageserver', 'vscode-languageclient', 'vscode-languageserver-textdocument'];
const SERVER_LAYERS = ['host', 'lsp', 'requests', 'documents'];
/** The store's rooms, bottom to top ('.' is the store's root folder); the layers no store file may reach. */
const STORE_ROOMS = ['.', 'io', 'workers', 'blobs', 'images', 'layers', 'analysis', 'search'];
const STORE_OUTSIDE = [...SERVER_LAYERS, 'oci', 'remotes', 'cli', 'client'];
/**
 * The client's rooms, bottom to top: each imports the client's root (`log.ts`) and only the rooms below it.
 * `extension.ts` at the root is the composition root: it imports any room.
 */
const CLIENT_ROOMS = [
  'settings',
  'connection',
  'documents',
  'problems',
  'tree',
  'snapshotView',
  'effectsView',
  'searchView',
  'commands',
  'activation',
];

/** A ban on the client rooms `above` for `files` (room names match relative paths only: shared/ has a settings.ts). */
function clientRoomRule(files, above, why) {
  const patterns = above.map((room) => ({
    group: [`../${room}/*`, `./${room}/*`],
    message: `${why} (docs/architecture.md)`,
  }));
  return {
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...patterns,
            {
              group: ['**/server/**'],
              message: 'client/ talks to the server over JSON-RPC only (docs/architecture.md)',
            },
            { group: ['vscode-languageserver', 'vscode-languageserver/*'], message: 'client/ is not the server' },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      '.vscode-test/**',
      '.coverage/**',
      '.stryker-tmp/**',
      '.stryker-report/**',
      'esbuild.mjs',
      'scripts/*.mjs',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './client/pages/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-namespace': 'off', // protocol messages are namespaces, as in vscode-languageserver-node
      eqeqeq: 'error',
      curly: 'error',
      // A list that grows with the store spread into a call overflows V8's stack past ~100,000 items
      // (CONTRIBUTING.md): append with shared/common/arrays.ts's appendAll, or loop.
      'no-restricted-syntax': [
        'error',
        ...['push', 'unshift', 'splice', 'max', 'min', 'fromCharCode', 'fromCodePoint'].map((name) => ({
          selector: `CallExpression[callee.property.name='${name}'] > SpreadElement`,
          message: `no spread into ${name}(): an unbounded list overflows the stack (use appendAll or a loop)`,
        })),
        {
          // counts[key] = (counts[key] ?? 0) + 1 with a stored key: `__proto__` changes the object's prototype,
          // `constructor` reads Object's. Count in a Map.
          selector:
            "AssignmentExpression[left.type='MemberExpression'][left.computed=true][right.type='BinaryExpression'][right.left.type='LogicalExpression']",
          message: 'no counter object keyed by a computed key: count in a Map (a stored key can be __proto__)',
        },
      ],
    },
  },
  {
    // node:test's test() and describe() return promises that the runner itself awaits.
    files: ['test/**/*.test.ts'],
    rules: { '@typescript-eslint/no-floating-promises': 'off' },
  },
  {
    // shared/ runs on both sides: no platform, no editor, no server or client code.
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'os', 'crypto'],
              message: 'shared/ is platform-free (docs/architecture.md)',
            },
            {
              group: ['vscode', '**/server/**', '**/client/**'],
              message: 'shared/ imports nothing above it (docs/architecture.md)',
            },
          ],
        },
      ],
    },
  },
  // store/ is the pf-core store library: it imports only shared/. Inside it, rooms stack bottom to top, each
  // importing only the rooms below it (the table in docs/architecture.md).
  ...STORE_ROOMS.map((room, i) =>
    onlyBelow([room === '.' ? 'server/src/store/*.ts' : `server/src/store/${room}/**/*.ts`], {
      layers: [...STORE_OUTSIDE, ...STORE_ROOMS.slice(i + 1)],
      packages: LSP,
      why:
        room === '.'
          ? 'the store root holds what every room shares (errors, the store path): it imports no room'
          : `store/${room}/ imports the store's root and only the rooms below it (${STORE_ROOMS.slice(1, i).join(', ') || 'none'}) and shared/`,
    }),
  ),
  onlyBelow(['server/src/oci/**/*.ts'], {
    layers: [...SERVER_LAYERS, 'remotes', 'cli', 'client'],
    packages: LSP,
    why: 'oci/ imports only store/ and shared/',
  }),
  onlyBelow(['server/src/remotes/**/*.ts'], {
    layers: [...SERVER_LAYERS, 'cli', 'client'],
    packages: LSP,
    why: 'remotes/ imports only oci/, store/ and shared/',
  }),
  onlyBelow(['server/src/cli/**/*.ts'], {
    layers: [...SERVER_LAYERS, 'client'],
    packages: LSP,
    why: 'cli/ never uses the language server',
  }),
  onlyBelow(['server/src/lsp/**/*.ts'], {
    layers: ['host', 'requests', 'documents', 'cli', 'client'],
    why: 'lsp/ is plumbing: no handlers, no open-store state',
  }),
  onlyBelow(['server/src/host/**/*.ts'], {
    layers: ['requests', 'documents', 'cli', 'client'],
    why: 'host/ keeps the open store; handlers sit above it',
  }),
  onlyBelow(['server/src/documents/**/*.ts'], {
    layers: ['requests', 'cli', 'client'],
    why: 'documents/ does not call request handlers',
  }),
  onlyBelow(['server/src/requests/**/*.ts'], {
    layers: ['documents', 'cli', 'client'],
    why: 'request handlers do not reach into document features',
  }),
  onlyBelow(['client/src/**/*.ts'], {
    layers: ['server'],
    packages: ['vscode-languageserver'],
    why: 'client/ talks to the server over JSON-RPC only',
  }),
  {
    ...clientRoomRule(['client/src/*.ts'], CLIENT_ROOMS, "the client's root holds what every room shares: no room"),
    ignores: ['client/src/extension.ts'],
  },
  ...CLIENT_ROOMS.map((room, i) =>
    clientRoomRule(
      [`client/src/${room}/**/*.ts`],
      CLIENT_ROOMS.slice(i + 1),
      `client/src/${room}/ imports only the rooms below it (${CLIENT_ROOMS.slice(0, i).join(', ') || 'none'})`,
    ),
  ),
  {
    // The webview pages run in a browser: no editor API, no Node, no extension code; shared/ only.
    files: ['client/pages/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['vscode', 'node:*', '**/client/src/**', '**/server/**'], message: 'a page is browser code' },
          ],
        },
      ],
    },
  },
  // The worker thread's entry is its composition root: it wires the worker room to the layer scans it runs.
  onlyBelow(['server/src/store/storeWorker.ts'], {
    layers: [...STORE_OUTSIDE, 'blobs', 'images', 'analysis'],
    packages: LSP,
    why: 'the worker entry imports only the worker room and the layer scans',
  }),
  {
    files: ['server/src/**/*.ts'],
    ignores: ['server/src/cli/**'],
    rules: { 'no-console': 'error' },
  },
);
