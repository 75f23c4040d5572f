/** @file MP table tests (Intel MP spec 1.4): floating pointer, configuration table checksums and entries, BDA fields, on the board. */
import { describe, expect, it } from 'vitest';
import { Board } from '../../src/platform/pc.ts';

const sum = (b: Uint8Array): number => b.reduce((s, x) => (s + x) & 0xff, 0);
const str = (b: Uint8Array, at: number, n: number): string => String.fromCharCode(...b.subarray(at, at + n));

describe('MP tables and BIOS data area', () => {
  const board = new Board({ cpuHz: 3_800_000_000, memMiB: 16 });
  const ram = board.guestRam;
  const v = new DataView(ram.buffer);

  it('the BDA points at the EBDA and reports 639 KiB of base memory', () => {
    expect(v.getUint16(0x40e, true)).toBe(0x9fc0);
    expect(v.getUint16(0x413, true)).toBe(639);
    expect(v.getUint16(0x400, true)).toBe(0x3f8);
    expect(ram[0x475]).toBe(0);
  });

  it('a floating pointer in 0xF0000–0xFFFFF with a valid checksum points at a valid PCMP table', () => {
    let fp = -1;
    for (let a = 0xf0000; a < 0x100000; a += 16) if (str(ram, a, 4) === '_MP_' && sum(ram.subarray(a, a + 16)) === 0) { fp = a; break; }
    expect(fp).toBeGreaterThanOrEqual(0);
    expect([ram[fp + 8], ram[fp + 9], ram[fp + 11]]).toEqual([1, 4, 0]);
    const t = v.getUint32(fp + 4, true);
    expect(str(ram, t, 4)).toBe('PCMP');
    const length = v.getUint16(t + 4, true);
    expect(sum(ram.subarray(t, t + length))).toBe(0);
    expect(v.getUint32(t + 36, true)).toBe(0xfee00000);
    const count = v.getUint16(t + 34, true);
    const sizes: Record<number, number> = { 0: 20, 1: 8, 2: 8, 3: 8, 4: 8 };
    const kinds: number[] = [];
    const routes = new Map<number, number>();
    let at = t + 44;
    for (let i = 0; i < count; i++) {
      const type = ram[at]!;
      kinds.push(type);
      if (type === 2) expect([ram[at + 1], ram[at + 2], ram[at + 3], v.getUint32(at + 4, true)]).toEqual([1, 0x11, 1, 0xfec00000]);
      if (type === 3) routes.set(ram[at + 5]!, ram[at + 7]!);
      if (type === 1) expect(str(ram, at + 2, 6)).toBe('ISA   ');
      at += sizes[type]!;
    }
    expect(at).toBe(t + length);
    expect(kinds.filter((k) => k === 0).length).toBe(1);
    expect(routes.get(0)).toBe(2);
    expect(routes.get(14)).toBe(14);
    expect(routes.has(2)).toBe(false);
    expect(kinds.slice(-2)).toEqual([4, 4]);
  });
});
