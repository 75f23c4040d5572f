/** @file Tests of entry constructors, entry addresses and little-endian entry access (SDM Vol.3 §4.3, Figure 4-4). */
import { describe, expect, it } from 'vitest';
import {
  Pte, makePde4M, makePdeTable, makePte, pdIndex, pdeAddress, ptIndex, pteAddress, readU32, setEntryLowBits, writeU32,
} from '../src/index.ts';
import { peek32, poke32 } from './support/ram.ts';

describe('entry format', () => {
  it('splits a linear address into directory and table indexes', () => {
    expect(pdIndex(0xc0403123)).toBe(0x301);
    expect(ptIndex(0xc0403123)).toBe(0x003);
    expect(pdeAddress(0x1fff, 0xc0403123)).toBe(0x1000 + 0x301 * 4);
    expect(pteAddress(0x2000 | Pte.P, 0xc0403123)).toBe(0x200c);
  });

  it('builds entries with the frame in the right bits', () => {
    expect(makePdeTable(0x12345fff, Pte.P | Pte.RW | Pte.PS)).toBe(0x12345003);
    expect(makePde4M(0xffc00000, Pte.P | Pte.G)).toBe(0xffc00181);
    expect(makePte(0xfffff000, Pte.P | Pte.US | Pte.D)).toBe(0xfffff045);
  });

  it('reads and writes little-endian entries, reading 0 and dropping writes outside RAM', () => {
    const mem = new Uint8Array(8);
    poke32(mem, 0, 0x87654301);
    expect(readU32(mem, 0) >>> 0).toBe(0x87654301);
    writeU32(mem, 4, 0xdeadbeef);
    expect([...mem.subarray(4)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(readU32(mem, 6)).toBe(0);
    writeU32(mem, 6, 0xffffffff);
    expect(peek32(mem, 4)).toBe(0xdeadbeef);
    expect(setEntryLowBits(mem, 0, 0x20)).toBe(1);
    expect(setEntryLowBits(mem, 0, 0x20)).toBe(0);
    expect(peek32(mem, 0)).toBe(0x87654321);
    expect(setEntryLowBits(mem, 0, 0x60)).toBe(1);
    expect(peek32(mem, 0)).toBe(0x87654361);
    expect(setEntryLowBits(mem, 8, 0x20)).toBe(0);
  });
});
