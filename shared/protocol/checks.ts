// Checks: verify (blobs, an image, the store) and every image's record and secrets verdicts.
import type { SecretInLayer } from '../snapshots/snapshotView';
import type { PartialResultParams, WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import { MessageDirection, ProtocolRequestType, RequestType } from 'vscode-languageserver-protocol';
import type { Digest } from './common';

export type VerifyTarget = { kind: 'blob'; digest: Digest } | { kind: 'image'; digest: Digest } | { kind: 'store' };

export interface VerifyProblemInfo {
  digest?: Digest;
  kind: string;
  message: string;
  /** For image closures: which layer references the failing digest. */
  layer?: string;
  /** The snapshots that use the failing blob, by name (short digest when unnamed); at most 20. */
  usedBy?: string[];
  /** How many snapshots use it in all (usedBy may list fewer); a lower bound when the graph was not built. */
  usedByCount?: number;
}

export type VerifyParams = VerifyTarget & WorkDoneProgressParams & PartialResultParams;

export interface VerifyReport {
  checked: number;
  ok: number;
  problems: VerifyProblemInfo[];
  cancelled: boolean;
  /**
   * Store and image targets: each cataloged image's (or the image's) effects ledger verdict and secrets in
   * clear, as `pfstore verify` reports them; `ledgerSummary` is pf verify's summary line.
   */
  images?: ImageCheck[];
  ledgerSummary?: string;
}

/**
 * client → server: re-hash one blob, an image's closure, or the whole store. Reports work-done progress,
 * streams problems as partial results, and stops between blobs on cancellation (answering `cancelled: true`).
 */
export namespace VerifyRequest {
  export const method = 'processfork/verify' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new ProtocolRequestType<VerifyParams, VerifyReport, VerifyProblemInfo[], void, void>(method);
}

export interface ImageCheck {
  image: Digest;
  /** The snapshot's name (`agent.fingerprint`), when it has one. */
  name?: string;
  /** The effects ledger's verdict, as pf verify decides it and stricter. */
  ledger: 'ok' | 'bad' | 'skipped';
  ledgerReason: string;
  /** Checked with the operator session secret (the ledger embeds none). */
  viaOperatorSecret: boolean;
  /** The first bad entry and its tool, when bad. */
  entry?: number;
  tool?: string;
  secrets: SecretInLayer[];
}

/** No parameters: every cataloged image is answered. */
export type ImageChecksParams = Record<string, never>;

export interface ImageChecksResult {
  images: ImageCheck[];
}

/**
 * client → server: every cataloged image's ledger verdict and secrets in clear (names only), for marking tree
 * rows. Answers are kept per image and operator secret: an image's layers never change under its digest.
 */
export namespace ImageChecksRequest {
  export const method = 'processfork/imageChecks' as const;
  export const messageDirection = MessageDirection.clientToServer;
  export const type = new RequestType<ImageChecksParams, ImageChecksResult, void>(method);
}
