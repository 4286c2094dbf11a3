// Error codes, the digest type and the base params every area's methods build on; the client's start options.

/** Error codes of our own, outside JSON-RPC's and LSP's reserved ranges. Stable: clients branch on them. */
export const StoreErrorCode = {
  /** A digest, prefix, range, page size, URI or other parameter is malformed. */
  InvalidInput: 4001,
  /** The blob (or image) is not in the store. */
  NotFound: 4004,
  /** The blob failed its re-hash, its zstd frame is corrupt or truncated, or it is not a regular file. */
  Integrity: 4009,
  /** A good blob too large to read into memory (open in the editor); save it to a file instead. */
  TooLarge: 4015,
  /** Writes are off: the workspace is untrusted. */
  WriteRefused: 4013,
  /** Any other file-system failure. */
  Io: 4020,
  /** A push refused: the snapshot holds secrets in clear (`data.variables` names them; resend with allowSecrets). */
  SecretsInClear: 4030,
} as const;

export type Digest = string;

// Base params shared by several methods.

/** A method that takes no parameters. */
export type NoParams = Record<string, never>;

/** A method about one blob or image. */
export interface DigestParams {
  digest: Digest;
}

/** A method about one registry repository, `oci://host:port/repo`. */
export interface RemoteParams {
  remote: string;
}

/** Options the client passes in `initialize`. */
export interface InitializationOptions {
  storePath?: string;
  /** False in Restricted Mode: put and gc answer WriteRefused. */
  trusted?: boolean;
}
