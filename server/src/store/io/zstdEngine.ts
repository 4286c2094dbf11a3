// The zstd engine behind the store: compress one frame at a level, and decode a stream in steps. Two
// implementations of the same libzstd (1.5.7, the sources zstd-napi bundles): the native addon where its
// binary is present (linux-x64 packages), and WebAssembly everywhere else (server/wasm/zstd.wasm, built by
// scripts/build-zstd-wasm.sh). PFSTORE_ZSTD=native|wasm forces one. Each thread picks once.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FrameCompressor {
  /** One complete frame of `data` (content size recorded, no checksum), at the level given at creation. */
  compress(data: Uint8Array): Uint8Array;
}

export interface StreamDecoder {
  /** Forgets the frame in progress (keeps the allocated window): call before each blob. */
  reset(): void;
  /**
   * Decodes from `src` into `out`: [0 once a frame is complete, else a hint > 0; bytes produced; bytes consumed].
   * Throws on corrupt input.
   */
  decompress(out: Uint8Array, src: Uint8Array): [number, number, number];
}

export interface ZstdEngine {
  readonly name: 'native' | 'wasm';
  /** libzstd's version, e.g. "1.5.7". */
  readonly version: string;
  /** A good output size for decompress (zstd's ZSTD_DStreamOutSize). */
  readonly outSize: number;
  createCompressor(level: number): FrameCompressor;
  createDecoder(): StreamDecoder;
}

let chosen: ZstdEngine | undefined;

/** The engine of this thread: PFSTORE_ZSTD if set, else native when its binary loads, else WebAssembly. */
export function zstdEngine(env: NodeJS.ProcessEnv = process.env): ZstdEngine {
  if (chosen) {
    return chosen;
  }
  const wanted = env.PFSTORE_ZSTD;
  if (wanted !== undefined && wanted !== '' && wanted !== 'native' && wanted !== 'wasm') {
    throw new Error(`PFSTORE_ZSTD must be "native" or "wasm", not ${JSON.stringify(wanted)}`);
  }
  if (wanted === 'wasm' || wanted === 'native') {
    chosen = loadEngine(wanted);
  } else {
    try {
      chosen = nativeEngine();
    } catch {
      chosen = wasmEngine(); // no native binary for this platform (the universal package)
    }
  }
  return chosen;
}

/** A fresh engine of that name, whatever this thread chose (tests compare the two). */
export function loadEngine(name: 'native' | 'wasm'): ZstdEngine {
  return name === 'native' ? nativeEngine() : wasmEngine();
}

const versionText = (n: number) => `${Math.floor(n / 10000)}.${Math.floor(n / 100) % 100}.${n % 100}`;

function nativeEngine(): ZstdEngine {
  // Required here, not imported: in the universal package the addon is absent and this must fail softly.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const z = require('zstd-napi/binding') as typeof import('zstd-napi/binding');
  return {
    name: 'native',
    version: versionText(z.versionNumber()),
    outSize: z.dStreamOutSize(),
    createCompressor(level) {
      const cctx = new z.CCtx();
      cctx.setParameter(z.CParameter.compressionLevel, level);
      // One output buffer per compressor, reused; each frame is copied out at its exact size (zstd-napi's
      // Compressor allocates a fresh 4 MiB output per frame).
      let scratch = Buffer.allocUnsafe(0);
      return {
        compress(data) {
          const bound = z.compressBound(data.length);
          if (scratch.length < bound) {
            scratch = Buffer.allocUnsafe(bound);
          }
          const n = cctx.compress2(scratch, data);
          return new Uint8Array(scratch.subarray(0, n));
        },
      };
    },
    createDecoder() {
      const dctx = new z.DCtx();
      return {
        reset: () => dctx.reset(z.ResetDirective.sessionOnly),
        decompress: (out, src) => dctx.decompressStream(out, src),
      };
    },
  };
}

/** Where the module sits: beside the bundle (dist/), or in the source tree (compiled tests). */
function wasmFile(): string {
  const candidates = [
    path.join(__dirname, 'zstd.wasm'),
    path.join(__dirname, '..', '..', '..', '..', '..', 'server', 'wasm', 'zstd.wasm'),
    path.join(__dirname, '..', '..', '..', 'wasm', 'zstd.wasm'),
  ];
  const found = candidates.find((f) => fs.existsSync(f));
  if (!found) {
    throw new Error(`the WebAssembly zstd engine is missing (looked for ${candidates.join(', ')})`);
  }
  return found;
}

// The WebAssembly global, typed here: this project's TypeScript libs (ES2022, Node) do not declare it.
interface WasmGlobal {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmGlobal }).WebAssembly;

interface ZstdExports {
  memory: { buffer: ArrayBuffer };
  _initialize(): void;
  malloc(n: number): number;
  free(p: number): void;
  ZSTD_versionNumber(): number;
  ZSTD_isError(code: number): number;
  ZSTD_getErrorName(code: number): number;
  ZSTD_compressBound(n: number): number;
  ZSTD_createCCtx(): number;
  ZSTD_CCtx_setParameter(cctx: number, param: number, value: number): number;
  ZSTD_compress2(cctx: number, dst: number, dstCap: number, src: number, srcSize: number): number;
  ZSTD_createDCtx(): number;
  ZSTD_DCtx_reset(dctx: number, directive: number): number;
  ZSTD_decompressStream(dctx: number, output: number, input: number): number;
  ZSTD_DStreamOutSize(): number;
}

const ZSTD_C_COMPRESSION_LEVEL = 100;
const WASM_INPUT_SLICE = 64 << 10;
const ZSTD_RESET_SESSION_ONLY = 1;

/** A growable buffer inside the module's memory (pointer stays valid; views are re-read after each call). */
class WasmBuffer {
  ptr = 0;
  size = 0;
  constructor(private readonly x: ZstdExports) {}
  ensure(n: number): number {
    if (n > this.size) {
      if (this.ptr) {
        this.x.free(this.ptr);
      }
      this.size = Math.max(n, 64 << 10);
      this.ptr = this.x.malloc(this.size);
      if (!this.ptr) {
        throw new Error(`the WebAssembly zstd engine could not allocate ${this.size} bytes`);
      }
    }
    return this.ptr;
  }
}

function wasmEngine(): ZstdEngine {
  const instance = new WebAssemblyApi.Instance(new WebAssemblyApi.Module(fs.readFileSync(wasmFile())), {});
  const x = instance.exports as unknown as ZstdExports;
  x._initialize();
  const bytes = () => new Uint8Array(x.memory.buffer);
  const u32 = () => new Uint32Array(x.memory.buffer);
  const check = (code: number): number => {
    const value = code >>> 0; // size_t comes back as a signed i32
    if (x.ZSTD_isError(value)) {
      const name = x.ZSTD_getErrorName(value);
      const mem = bytes();
      let end = name;
      while (mem[end] !== 0) {
        end++;
      }
      throw new Error(Buffer.from(mem.subarray(name, end)).toString('latin1'));
    }
    return value;
  };
  return {
    name: 'wasm',
    version: versionText(x.ZSTD_versionNumber()),
    outSize: x.ZSTD_DStreamOutSize(),
    createCompressor(level) {
      const cctx = x.ZSTD_createCCtx();
      check(x.ZSTD_CCtx_setParameter(cctx, ZSTD_C_COMPRESSION_LEVEL, level));
      const input = new WasmBuffer(x);
      const output = new WasmBuffer(x);
      return {
        compress(data) {
          const bound = x.ZSTD_compressBound(data.length) >>> 0;
          const src = input.ensure(data.length);
          const dst = output.ensure(bound);
          bytes().set(data, src);
          const n = check(x.ZSTD_compress2(cctx, dst, bound, src, data.length));
          return bytes().slice(dst, dst + n);
        },
      };
    },
    createDecoder() {
      const dctx = x.ZSTD_createDCtx();
      // ZSTD_outBuffer { dst, size, pos } then ZSTD_inBuffer { src, size, pos }: six 32-bit words.
      const structs = x.malloc(24);
      const input = new WasmBuffer(x);
      const output = new WasmBuffer(x);
      return {
        reset: () => void check(x.ZSTD_DCtx_reset(dctx, ZSTD_RESET_SESSION_ONLY)),
        decompress(out, whole) {
          // At most a slice of input per call: a caller hands back the unconsumed rest, and copying all of it
          // each time would be quadratic in a highly compressed blob.
          const src = whole.length > WASM_INPUT_SLICE ? whole.subarray(0, WASM_INPUT_SLICE) : whole;
          const dst = output.ensure(out.length);
          const from = input.ensure(src.length);
          bytes().set(src, from);
          const words = u32();
          const at = structs >>> 2;
          words.set([dst, out.length, 0, from, src.length, 0], at);
          const ret = check(x.ZSTD_decompressStream(dctx, structs, structs + 12));
          const after = u32();
          const produced = after[at + 2];
          const consumed = after[at + 5];
          out.set(bytes().subarray(dst, dst + produced));
          return [ret, produced, consumed];
        },
      };
    },
  };
}
