/** @file Guest RAM in a WebAssembly memory: allocation, and bulk copy and fill through it against TypedArray semantics, never past a partial view. */
import { describe, expect, it } from 'vitest';
import { guestMemory, ramOps } from '../../src/cpu/guest-ram.ts';

/** The pattern's byte at `k`. */
const byteAt = (k: number): number => (k * 7 + (k >>> 8)) & 0xff;

/** A pattern of bytes that differ from their neighbours. */
function pattern(ram: Uint8Array): void {
  for (let k = 0; k < ram.length; k++) ram[k] = byteAt(k);
}

describe('guest RAM', () => {
  it('is a zeroed WebAssembly memory of whole 64 KiB pages, else a plain array', () => {
    const m = guestMemory(0x30000);
    expect(m.wasmMemory).toBeDefined();
    expect(m.ram.buffer).toBe(m.wasmMemory!.buffer);
    expect(m.ram.length).toBe(0x30000);
    expect(m.ram.every((b) => b === 0)).toBe(true);
    const odd = guestMemory(0x1000);
    expect(odd.wasmMemory).toBeUndefined();
    expect(odd.ram.length).toBe(0x1000);
  });

  it('copies as memmove (overlap either way) and fills, as copyWithin and fill do on a plain array', () => {
    const m = guestMemory(0x10000);
    const plain = new Uint8Array(0x10000);
    const fast = ramOps(m);
    const slow = ramOps({ ram: plain });
    expect(fast.copy).not.toBe(slow.copy);
    pattern(m.ram);
    pattern(plain);
    const cases: [number, number, number][] = [
      [0x2000, 0x1000, 1024],
      [0x1010, 0x1000, 4096], // destination above an overlapping source
      [0x3000, 0x3011, 4000], // destination below an overlapping source
      [0xfc00, 0x0000, 1024], // up to the last byte
      [0x5000, 0x5000, 0],
    ];
    for (const [dst, src, len] of cases) {
      fast.copy(dst, src, len);
      plain.copyWithin(dst, src, src + len);
    }
    fast.fill(0x8003, 0xa5, 777);
    plain.fill(0xa5, 0x8003, 0x8003 + 777);
    fast.fill(0xff00, 0, 256);
    plain.fill(0, 0xff00, 0x10000);
    expect(Buffer.from(m.ram).equals(Buffer.from(plain))).toBe(true);
  });

  it('finds the first 16 bytes that differ, as the TypedArray fallback does, dword-aligned or not', () => {
    const m = guestMemory(0x10000);
    const plain = new Uint8Array(0x10000);
    const odd = new Uint8Array(0x10001).subarray(1);
    const all = [ramOps(m), ramOps({ ram: plain }), ramOps({ ram: odd })];
    for (const ram of [m.ram, plain, odd]) {
      pattern(ram);
      ram.copyWithin(0x3000, 0x1000, 0x2000);
      // Differences at 0x05, 0x7ff (the same 16 bytes as 0x7f0) and the page's last byte.
      for (const at of [0x05, 0x7f0, 0x7ff, 0xfff]) ram[0x3000 + at] ^= 0x80;
    }
    for (const ops of all) {
      const found: number[] = [];
      for (let off = ops.diff(0x3000, 0x1000, 0, 0x1000); off < 0x1000; off = ops.diff(0x3000, 0x1000, off + 16, 0x1000)) found.push(off);
      expect(found).toEqual([0x00, 0x7f0, 0xff0]);
      expect(ops.diff(0x4000, 0x4000, 0, 0x1000)).toBe(0x1000);
      expect(ops.diff(0x3000, 0x1000, 0x800, 0xff0)).toBe(0xff0);
    }
  });

  it('uses TypedArray methods for a view of part of the memory, which never write past it', () => {
    const m = guestMemory(0x20000);
    pattern(m.ram);
    const before = m.ram.slice(0x10000);
    // A guest's RAM below its monitor's: the first 64 KiB.
    const guest = m.ram.subarray(0, 0x10000);
    const ops = ramOps({ ram: guest, wasmMemory: m.wasmMemory });
    expect(ops.copy).not.toBe(ramOps(m).copy);
    ops.copy(0xff00, 0x100, 0x400);
    ops.fill(0xfff0, 0x5a, 0x100);
    // The copy stopped at the view's end (0x100 bytes of the 0x400 asked for), then the fill did.
    expect(guest[0xff00]).toBe(byteAt(0x100));
    expect(guest[0xffef]).toBe(byteAt(0x1ef));
    expect(guest[0xfff0]).toBe(0x5a);
    expect(guest[0xffff]).toBe(0x5a);
    expect(Buffer.from(m.ram.subarray(0x10000)).equals(Buffer.from(before))).toBe(true);
  });
});
