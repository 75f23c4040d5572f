/** @file Bulk operations on guest RAM — copies and fills (REP MOVS/STOS runs), comparing a page with its snapshot (bt-vmm) — with WebAssembly (`memory.copy`, `memory.fill`, SIMD) when the RAM is a WebAssembly memory, else TypedArray methods. */
import type { PhysicalMemory, WasmMemory } from './interfaces.ts';

/** Bulk operations on one guest RAM array, in its own offsets (physical addresses). */
export interface RamOps {
  /** Copies `len` bytes from `src` to `dst` (ranges may overlap: as memmove). */
  readonly copy: (dst: number, src: number, len: number) => void;
  /** Sets `len` bytes from `dst` on to `byte`. */
  readonly fill: (dst: number, byte: number, len: number) => void;
  /**
   * The first offset `off` ≥ `from`, in steps of 16 bytes, below `len` at which the 16 bytes at
   * `a + off` and `b + off` differ; `len` if none does (a monitor comparing a page with its snapshot).
   */
  readonly diff: (a: number, b: number, from: number, len: number) => number;
}

/** A WebAssembly page: 64 KiB. */
const WASM_PAGE = 0x10000;

/**
 * The module, written out byte by byte (WebAssembly core specification, binary format, with the
 * 128-bit SIMD instructions): it imports a memory `m.mem` and exports `copy(dst, src, len)` =
 * `memory.copy`, `fill(dst, byte, len)` = `memory.fill` and `diff(a, b, from, len)` (`RamOps.diff`:
 * a loop of two `v128.load`s, `v128.xor`, `v128.any_true`). A 1 KiB copy costs about half of
 * TypedArray.prototype.copyWithin's on this project's hosts.
 */
const MODULE_BYTES = new Uint8Array([
  // magic "\0asm", version 1
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type section: (i32 i32 i32) -> (); (i32 i32 i32 i32) -> i32
  0x01, 0x0f, 0x02, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x04, 0x7f, 0x7f, 0x7f, 0x7f, 0x01, 0x7f,
  // import section: "m" "mem", a memory of at least 0 pages
  0x02, 0x0a, 0x01, 0x01, 0x6d, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x00,
  // function section: copy and fill of type 0, diff of type 1
  0x03, 0x04, 0x03, 0x00, 0x00, 0x01,
  // export section: "copy" = func 0, "fill" = func 1, "diff" = func 2
  0x07, 0x16, 0x03, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x01, 0x04, 0x64, 0x69, 0x66, 0x66, 0x00, 0x02,
  // code section: three bodies, no locals
  0x0a, 0x4d, 0x03,
  // copy: local.get 0, 1, 2; memory.copy 0 0; end
  0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b,
  // fill: local.get 0, 1, 2; memory.fill 0; end
  0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x00, 0x0b,
  // diff: block; loop; br_if 1 (from >= len); v128.load (a + from), v128.load (b + from), v128.xor,
  // v128.any_true, br_if 1; from += 16; br 0; end; end; local.get from; end
  0x32, 0x00, 0x02, 0x40, 0x03, 0x40,
  0x20, 0x02, 0x20, 0x03, 0x4f, 0x0d, 0x01,
  0x20, 0x00, 0x20, 0x02, 0x6a, 0xfd, 0x00, 0x04, 0x00,
  0x20, 0x01, 0x20, 0x02, 0x6a, 0xfd, 0x00, 0x04, 0x00,
  0xfd, 0x51, 0xfd, 0x53, 0x0d, 0x01,
  0x20, 0x02, 0x41, 0x10, 0x6a, 0x21, 0x02, 0x0c, 0x00,
  0x0b, 0x0b, 0x20, 0x02, 0x0b,
]);

/** The parts of the WebAssembly JavaScript API used here; undefined on a host without it. */
interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

/** The compiled module; null before the first use, undefined when the host cannot compile it (no SIMD). */
let module: object | null | undefined = null;
const instances = new WeakMap<WasmMemory, RamOps>();

/** The module, compiled once. */
function compiled(api: WasmApi): object | undefined {
  if (module === null) {
    try {
      module = new api.Module(MODULE_BYTES);
    } catch {
      module = undefined;
    }
  }
  return module;
}

/**
 * `bytes` of zeroed RAM for a machine: in a WebAssembly memory when `bytes` is a whole number of
 * 64 KiB pages and the host can make one that size, else a plain array (the same behaviour, only
 * slower bulk operations). The devices package's board allocates its RAM the same way.
 */
export function guestMemory(bytes: number): PhysicalMemory {
  if (bytes % WASM_PAGE === 0 && wasm !== undefined) {
    try {
      const wasmMemory = new wasm.Memory({ initial: bytes / WASM_PAGE });
      return { ram: new Uint8Array(wasmMemory.buffer), wasmMemory };
    } catch {
      // No address space left for another memory (each reserves a guard region): a plain array.
    }
  }
  return { ram: new Uint8Array(bytes) };
}

/**
 * The bulk operations for `memory.ram`: WebAssembly's when the array is the whole of
 * `memory.wasmMemory` (`memory.copy` reaches the whole memory, so a view of part of it — a guest's
 * RAM below its monitor's — must not use it) and the host compiles the module, else TypedArray
 * methods, bounded by the view.
 */
export function ramOps(memory: PhysicalMemory): RamOps {
  const { ram, wasmMemory } = memory;
  const whole = wasmMemory !== undefined && ram.buffer === wasmMemory.buffer && ram.byteOffset === 0 && ram.byteLength === wasmMemory.buffer.byteLength;
  const wasmModule = whole && wasm !== undefined ? compiled(wasm) : undefined;
  if (wasmModule !== undefined && wasm !== undefined && wasmMemory !== undefined) {
    let ops = instances.get(wasmMemory);
    if (ops === undefined) {
      const exports = new wasm.Instance(wasmModule, { m: { mem: wasmMemory } }).exports as RamOps;
      ops = { copy: exports.copy, fill: exports.fill, diff: exports.diff };
      instances.set(wasmMemory, ops);
    }
    return ops;
  }
  // Four dwords compared at a time where the view and both addresses allow, else bytes.
  const words = ram.byteOffset % 4 === 0 ? new Int32Array(ram.buffer, ram.byteOffset, ram.byteLength >>> 2) : null;
  return {
    copy: (dst, src, len) => {
      ram.copyWithin(dst, src, src + len);
    },
    fill: (dst, byte, len) => {
      ram.fill(byte, dst, dst + len);
    },
    diff: (a, b, from, len) => {
      if (words !== null && (a & 3) === 0 && (b & 3) === 0) {
        for (let off = from; off < len; off += 16) {
          const x = (a + off) >>> 2;
          const y = (b + off) >>> 2;
          if (((words[x]! ^ words[y]!) | (words[x + 1]! ^ words[y + 1]!) | (words[x + 2]! ^ words[y + 2]!) | (words[x + 3]! ^ words[y + 3]!)) !== 0) return off;
        }
        return len;
      }
      for (let off = from; off < len; off += 16) for (let k = 0; k < 16; k++) if (ram[a + off + k] !== ram[b + off + k]) return off;
      return len;
    },
  };
}
