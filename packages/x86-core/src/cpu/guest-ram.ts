/** @file Bulk copies and fills of guest RAM (REP MOVS/STOS runs): WebAssembly's `memory.copy` / `memory.fill` when the RAM is a WebAssembly memory, else TypedArray methods. */
import type { PhysicalMemory, WasmMemory } from './interfaces.ts';

/** Bulk operations on one guest RAM array, in its own offsets (physical addresses). */
export interface RamOps {
  /** Copies `len` bytes from `src` to `dst` (ranges may overlap: as memmove). */
  readonly copy: (dst: number, src: number, len: number) => void;
  /** Sets `len` bytes from `dst` on to `byte`. */
  readonly fill: (dst: number, byte: number, len: number) => void;
}

/** A WebAssembly page: 64 KiB. */
const WASM_PAGE = 0x10000;

/**
 * The module, written out byte by byte (WebAssembly core specification, binary format): it imports
 * a memory `m.mem` and exports `copy(dst, src, len)` = `memory.copy` and `fill(dst, byte, len)` =
 * `memory.fill`, both of type (i32, i32, i32) → (). One such call costs about half of
 * TypedArray.prototype.copyWithin's for a 1 KiB copy on this project's hosts.
 */
const MODULE_BYTES = new Uint8Array([
  // magic "\0asm", version 1
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  // type section: one type, func (i32 i32 i32) -> ()
  0x01, 0x07, 0x01, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00,
  // import section: "m" "mem", a memory of at least 0 pages
  0x02, 0x0a, 0x01, 0x01, 0x6d, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x00, 0x00,
  // function section: two functions of type 0
  0x03, 0x03, 0x02, 0x00, 0x00,
  // export section: "copy" = func 0, "fill" = func 1
  0x07, 0x0f, 0x02, 0x04, 0x63, 0x6f, 0x70, 0x79, 0x00, 0x00, 0x04, 0x66, 0x69, 0x6c, 0x6c, 0x00, 0x01,
  // code section: two bodies without locals: local.get 0, 1, 2; memory.copy 0 0 (0xfc 10) / memory.fill 0 (0xfc 11); end
  0x0a, 0x1a, 0x02,
  0x0c, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x00, 0x0b,
  0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x00, 0x0b,
]);

/** The parts of the WebAssembly JavaScript API used here; undefined on a host without it. */
interface WasmApi {
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
}
const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

let module: object | null = null;
const instances = new WeakMap<WasmMemory, RamOps>();

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
 * RAM below its monitor's — must not use it), else TypedArray methods, bounded by the view.
 */
export function ramOps(memory: PhysicalMemory): RamOps {
  const { ram, wasmMemory } = memory;
  if (wasm !== undefined && wasmMemory !== undefined && ram.buffer === wasmMemory.buffer && ram.byteOffset === 0 && ram.byteLength === wasmMemory.buffer.byteLength) {
    let ops = instances.get(wasmMemory);
    if (ops === undefined) {
      module ??= new wasm.Module(MODULE_BYTES);
      const exports = new wasm.Instance(module, { m: { mem: wasmMemory } }).exports as RamOps;
      ops = { copy: exports.copy, fill: exports.fill };
      instances.set(wasmMemory, ops);
    }
    return ops;
  }
  return {
    copy: (dst, src, len) => {
      ram.copyWithin(dst, src, src + len);
    },
    fill: (dst, byte, len) => {
      ram.fill(byte, dst, dst + len);
    },
  };
}
