/** @file Little-endian 32-bit reads and writes of paging entries in a RAM array (physical address = index). */

/**
 * Reads the 32-bit little-endian word at `addr` as an int32. Outside RAM it reads 0 (a
 * not-present entry), as QEMU's unassigned memory does.
 */
export function readU32(mem: Uint8Array, addr: number): number {
  if (addr < 0 || addr + 4 > mem.length) return 0;
  return mem[addr] | (mem[addr + 1] << 8) | (mem[addr + 2] << 16) | (mem[addr + 3] << 24);
}

/** Writes the 32-bit little-endian word `value` at `addr`; a write outside RAM is dropped. */
export function writeU32(mem: Uint8Array, addr: number, value: number): void {
  if (addr < 0 || addr + 4 > mem.length) return;
  mem[addr] = value;
  mem[addr + 1] = value >>> 8;
  mem[addr + 2] = value >>> 16;
  mem[addr + 3] = value >>> 24;
}

/**
 * ORs `bits` (which must lie in bits 7:0, like A and D) into the entry at `addr`. Returns 1 if the
 * entry changed, 0 if the bits were already set or the address is outside RAM.
 */
export function setEntryLowBits(mem: Uint8Array, addr: number, bits: number): number {
  if (addr < 0 || addr + 4 > mem.length) return 0;
  const old = mem[addr];
  if ((old & bits) === bits) return 0;
  mem[addr] = old | bits;
  return 1;
}
