// A worker's failure for one blob as the typed store error every caller handles.
import { BlobNotFoundError, IntegrityError, StoreIoError, type StoreError } from '../errors';
import type { WorkerFailure } from '../workers/workerProtocol';

export function errorOfFailure(hex: string, failure: WorkerFailure): StoreError {
  if (failure.integrity) {
    return new IntegrityError(hex, failure.integrity, failure.message);
  }
  if (failure.notFound) {
    return new BlobNotFoundError(hex);
  }
  return new StoreIoError(`cannot read blob sha256:${hex}: ${failure.message}`, failure.errno);
}
