// The error a JSON-RPC request answered with; fails the test when it answered without one.
import assert from 'node:assert/strict';
import type { ResponseError } from 'vscode-jsonrpc';

export async function rpcError(p: Promise<unknown>): Promise<ResponseError<unknown>> {
  try {
    await p;
  } catch (err) {
    return err as ResponseError<unknown>;
  }
  assert.fail('expected the request to fail');
}
