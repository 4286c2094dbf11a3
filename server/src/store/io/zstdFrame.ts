// Reads zstd frame headers (RFC 8878 section 3.1) without decoding, so `stat` can report the decoded size
// and the bomb guard can refuse a frame that declares more than the limit before allocating anything.

const ZSTD_MAGIC = 0xfd2fb528;
const SKIPPABLE_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;

export interface FrameHeader {
  headerBytes: number;
  /** Declared decoded size; undefined when the writer did not record it. */
  contentSize?: number;
  hasChecksum: boolean;
  skippable: boolean;
  /** For skippable frames only: the payload size after the 8-byte header. */
  skippableSize?: number;
}

/** The decoded size the first frame at the start of `buf` declares, if any (the bomb guard's question). */
export function declaredContentSize(buf: Uint8Array): number | undefined {
  return parseFrameHeader(buf)?.contentSize;
}

// Field widths by descriptor bits (RFC 8878 3.1.1.1.1): dictionary id by the low two bits, content size by the
// top two (flag 0 means one byte when the frame is a single segment, else none).
const DICTIONARY_ID_BYTES = [0, 1, 2, 4];
const CONTENT_SIZE_BYTES = [0, 2, 4, 8];

/** Parses the header at the start of `buf`; returns undefined when `buf` is too short or not a frame. */
export function parseFrameHeader(buf: Uint8Array): FrameHeader | undefined {
  if (buf.length < 4) {
    return undefined;
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0, true);
  if ((magic & SKIPPABLE_MASK) >>> 0 === SKIPPABLE_MAGIC) {
    if (buf.length < 8) {
      return undefined;
    }
    return { headerBytes: 8, hasChecksum: false, skippable: true, skippableSize: view.getUint32(4, true) };
  }
  if (magic !== ZSTD_MAGIC || buf.length < 5) {
    return undefined;
  }
  const fhd = buf[4];
  const fcsFlag = fhd >> 6;
  const singleSegment = (fhd >> 5) & 1;
  const hasChecksum = ((fhd >> 2) & 1) === 1;
  const didBytes = DICTIONARY_ID_BYTES[fhd & 3];
  const fcsBytes = fcsFlag === 0 ? singleSegment : CONTENT_SIZE_BYTES[fcsFlag];
  const fcsOffset = 5 + (singleSegment ? 0 : 1) + didBytes;
  const headerBytes = fcsOffset + fcsBytes;
  if (buf.length < headerBytes) {
    return undefined;
  }
  let contentSize: number | undefined;
  if (fcsBytes === 1) {
    contentSize = buf[fcsOffset];
  } else if (fcsBytes === 2) {
    contentSize = view.getUint16(fcsOffset, true) + 256;
  } else if (fcsBytes === 4) {
    contentSize = view.getUint32(fcsOffset, true);
  } else if (fcsBytes === 8) {
    contentSize = Number(view.getBigUint64(fcsOffset, true));
  }
  return { headerBytes, contentSize, hasChecksum, skippable: false };
}

/** Positioned reads, so the walk works on a file handle without reading the whole blob. */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

/**
 * Sums the declared sizes of every frame by hopping over block headers. Returns undefined when any frame
 * leaves its size out or the walk runs off the end (a truncated file: verify will name it).
 */
export async function declaredDecodedSize(rawReadAt: ReadAt, fileSize: number): Promise<number | undefined> {
  const readAt = windowed(rawReadAt);
  let pos = 0;
  let total = 0;
  while (pos < fileSize) {
    const header = parseFrameHeader(await readAt(pos, 18));
    if (!header) {
      return undefined;
    }
    if (header.skippable) {
      pos += header.headerBytes + (header.skippableSize ?? 0);
      continue;
    }
    if (header.contentSize === undefined) {
      return undefined;
    }
    total += header.contentSize;
    pos += header.headerBytes;
    for (;;) {
      const bh = await readAt(pos, 3);
      if (bh.length < 3) {
        return undefined;
      }
      const raw = bh[0] | (bh[1] << 8) | (bh[2] << 16);
      const last = raw & 1;
      const type = (raw >> 1) & 3;
      const size = raw >>> 3;
      if (type === 3) {
        return undefined;
      }
      pos += 3 + (type === 1 ? 1 : size);
      if (last) {
        break;
      }
    }
    if (header.hasChecksum) {
      pos += 4;
    }
  }
  return pos === fileSize ? total : undefined;
}

const WINDOW = 256 << 10;

/**
 * Serves the walk's small reads (18-byte headers, 3-byte block headers) from 256 KiB windows, so a blob made of
 * millions of tiny blocks costs one read per window, not one per block: stat stays cheaper than a verify.
 */
function windowed(readAt: ReadAt): ReadAt {
  let start = 0;
  let buf: Uint8Array = new Uint8Array(0);
  return async (position, length) => {
    if (position < start || position + length > start + buf.length) {
      buf = await readAt(position, Math.max(length, WINDOW));
      start = position;
    }
    return buf.subarray(position - start, position - start + length);
  };
}
