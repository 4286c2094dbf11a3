// Imported for its effect by the test support modules: tests keep what the store caches outside a store (the
// decoded sizes of large blobs, decodedSizeLog.ts) in a temporary folder, never in the user's ~/.cache, and
// every process they start (servers, pfstore, the editor) inherits the setting.
import * as os from 'node:os';
import * as path from 'node:path';

process.env.PFSTORE_CACHE_DIR ??= path.join(os.tmpdir(), 'pfstore-test-cache');
