// The member names and sizes of a tar archive as it streams by (a CRIU dump after its header line): only the
// 512-byte headers are kept, the data is skipped, so a dump of hundreds of MiB costs a few KiB.

const BLOCK = 512;

export class TarMembers {
  readonly members: Array<{ name: string; size: number }> = [];
  count = 0;
  /** Set when a header does not parse: the rest is not read as tar. */
  broken?: string;
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private skip = 0;
  private ended = false;

  constructor(private readonly maxListed: number) {}

  chunk(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length && !this.ended && !this.broken) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, bytes.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, bytes.length - at);
      bytes.copy(this.header, this.headerFill, at, at + n);
      this.headerFill += n;
      at += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.readHeader();
      }
    }
  }

  private readHeader(): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.ended = true; // the end-of-archive marker
      return;
    }
    const name = cString(h, 0, 100);
    const prefix = h.toString('latin1', 257, 262) === 'ustar' ? cString(h, 345, 155) : '';
    const size = sizeField(h);
    if (size === undefined) {
      this.broken = `member ${this.count} has no readable size`;
      return;
    }
    this.count++;
    const type = String.fromCharCode(h[156]);
    if (this.members.length < this.maxListed && (type === '0' || type === '\0' || type === '5' || type === '2')) {
      this.members.push({ name: prefix ? `${prefix}/${name}` : name, size });
    }
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
  }
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
}

/** Octal text, or GNU's base-256 form (high bit of the first byte set) for members over 8 GiB. */
function sizeField(h: Buffer): number | undefined {
  if (h[124] & 0x80) {
    let size = 0;
    for (let i = 125; i < 136; i++) {
      size = size * 256 + h[i];
    }
    return Number.isSafeInteger(size) ? size : undefined;
  }
  const text = h
    .toString('latin1', 124, 136)
    .replace(/[\0 ]+$/, '')
    .trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : undefined;
}
