/** @file Test helper: a small RAM array with hand-placed 32-bit paging entries (little-endian, written byte by byte). */

/** Writes `value` at `addr` as four little-endian bytes (independent of the package's own writeU32). */
export function poke32(mem: Uint8Array, addr: number, value: number): void {
  mem[addr] = value & 0xff;
  mem[addr + 1] = (value >>> 8) & 0xff;
  mem[addr + 2] = (value >>> 16) & 0xff;
  mem[addr + 3] = (value >>> 24) & 0xff;
}

/** Reads the little-endian 32-bit value at `addr` as an unsigned number. */
export function peek32(mem: Uint8Array, addr: number): number {
  return (mem[addr]! | (mem[addr + 1]! << 8) | (mem[addr + 2]! << 16) | (mem[addr + 3]! << 24)) >>> 0;
}
