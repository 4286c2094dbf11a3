// What a failed request answers over JSON-RPC: each store error as its stable code, long messages cut, and an
// unexpected error logged with its stack and answered as an internal error (the server keeps running).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ErrorCodes, LSPErrorCodes, ResponseError } from 'vscode-languageserver';
import { StoreErrorCode } from '../../shared/protocol';
import { CancelledError, StoreError, TooLargeToReadError } from '../../server/src/store/errors';
import { abortSignalOf, guarded, toResponseError } from '../../server/src/lsp/rpcErrors';

test('store errors map to their codes; a long message is cut; anything else is an internal error', () => {
  assert.equal(toResponseError(new CancelledError()).code, LSPErrorCodes.RequestCancelled);
  assert.equal(toResponseError(new TooLargeToReadError('a'.repeat(64), 10)).code, StoreErrorCode.TooLarge);
  assert.equal(toResponseError(new StoreError('io', 'disk gone')).code, StoreErrorCode.Io);
  const long = toResponseError(new StoreError('invalid-input', 'x'.repeat(10_000)));
  assert.ok(long.message.length < 2100 && long.message.endsWith('… (message cut)'));
  const odd = toResponseError(new TypeError('boom'));
  assert.equal(odd.code, ErrorCodes.InternalError);
  assert.equal(odd.message, 'internal error: boom');
  const passed = new ResponseError(123, 'as is');
  assert.equal(toResponseError(passed), passed);
});

test('a guarded handler answers instead of throwing, and logs only what was not expected', async () => {
  const logged: string[] = [];
  const fails = guarded(
    (m) => logged.push(m),
    async () => {
      throw new Error('unexpected');
    },
  );
  const answer = (await fails(
    {},
    { isCancellationRequested: false, onCancellationRequested: () => ({ dispose() {} }) },
  )) as ResponseError<void>;
  assert.equal(answer.code, ErrorCodes.InternalError);
  assert.match(logged[0], /request failed: Error: unexpected\n\s+at /);
  const expected = guarded(
    (m) => logged.push(m),
    async () => {
      throw new StoreError('not-found', 'no such blob');
    },
  );
  assert.equal(((await expected({}, undefined as never)) as ResponseError<void>).code, StoreErrorCode.NotFound);
  assert.equal(logged.length, 1, 'an expected error is not logged');

  assert.equal(abortSignalOf(undefined), undefined);
  const already = abortSignalOf({ isCancellationRequested: true, onCancellationRequested: () => ({ dispose() {} }) });
  assert.equal(already?.aborted, true);
});
