// What any registry may make us read, whatever kind it is (oci://, file://, s3://): one table, so a limit the
// OCI client learned from an attack holds for the folder and the bucket too. A peer that goes past one is
// refused with a message naming the limit; nothing it sent stays behind.

/** Manifests, configs, tag lists, error bodies: pf's are a few KiB. */
export const MAX_DOCUMENT_BYTES = 4 << 20;

/** A registry signature (`manifest.json.sig`) is a few hundred bytes. */
export const MAX_SIGNATURE_BYTES = 64 << 10;

/** Pages of a listing (OCI tags, S3 keys) read before the peer is taken to be paging forever. */
export const MAX_LIST_PAGES = 1_000;

/** Images (folders, key prefixes) looked at by one listing; each costs a read of its manifest. */
export const MAX_LISTED_LOCATIONS = 10_000;

/**
 * One blob object, whatever its length says: 1 TiB. Every download is bounded first by the length the peer
 * declared for it (a body longer than declared, or with no declared length, is refused); this is the ceiling.
 */
export const MAX_BLOB_OBJECT = 2 ** 40;
