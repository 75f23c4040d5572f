/** @file Tests of the nested-table builder: every mapped guest page translates to guest-physical + offset, the rest faults, bad arguments throw. */
import { describe, expect, it } from 'vitest';
import {
  Access, Cr4, NestedTablesError, PageWalk, Pte, buildNestedTables, hpa, nestedTablesBytes, npfExitInfo1, walkNested,
} from '../src/index.ts';
import { peek32 } from './support/ram.ts';

describe('nestedTablesBytes', () => {
  it('counts the page directory plus one page table per 4 MiB (none with 4 MiB pages)', () => {
    expect(nestedTablesBytes(0x800000)).toBe(0x3000);
    expect(nestedTablesBytes(0x801000)).toBe(0x4000);
    expect(nestedTablesBytes(0x100000000)).toBe(0x401000);
    expect(nestedTablesBytes(0x800000, true)).toBe(0x1000);
  });
});

describe('buildNestedTables', () => {
  it('4 KiB pages: maps every guest page to gPA + offset with P|RW|US, and nothing above', () => {
    const mem = new Uint8Array(0xc00000);
    mem.fill(0xaa, 0x100000, 0x104000);
    const nCr3 = buildNestedTables(mem, hpa(0x100000), 0x4000, 0x600000, hpa(0x400000));
    expect(nCr3).toBe(0x100000);
    expect(peek32(mem, 0x100000)).toBe(0x101007);
    expect(peek32(mem, 0x100004)).toBe(0x102007);
    expect(peek32(mem, 0x100008)).toBe(0);
    expect(peek32(mem, 0x103000)).toBe(0xaaaaaaaa);
    const w = new PageWalk();
    for (let g = 0; g < 0x600000; g += 0x1000) {
      expect(walkNested(mem, 0, 0, 0, nCr3, 0, g + 0xabc, Access.READ, w)).toBe(0x400000 + g + 0xabc);
    }
    // The walks above set A in each nested PTE they used.
    expect(peek32(mem, 0x102000 + 0x1ff * 4)).toBe(0x400000 + 0x5ff000 + 0x27);
    expect(peek32(mem, 0x102000 + 0x200 * 4)).toBe(0);
    expect(npfExitInfo1(walkNested(mem, 0, 0, 0, nCr3, 0, 0x600000, Access.READ, w))).toBe(0x1_0000_0004);
  });

  it('4 MiB pages: one PDE per 4 MiB, walked with host CR4.PSE=1', () => {
    const mem = new Uint8Array(0x2000);
    const nCr3 = buildNestedTables(mem, hpa(0x1000), 0x1000, 0x1000000, hpa(0x40000000), { largePages: true });
    for (let i = 0; i < 4; i++) expect(peek32(mem, 0x1000 + i * 4)).toBe(0x40000000 + i * 0x400000 + (Pte.PS | 7));
    expect(peek32(mem, 0x1010)).toBe(0);
    const w = new PageWalk();
    expect(walkNested(mem, 0, 0, 0, nCr3, Cr4.PSE, 0xc12345, Access.WRITE, w)).toBe(0x40c12345);
    expect(w.references).toBe(1);
  });

  it('takes custom entry flags', () => {
    const mem = new Uint8Array(0x3000);
    buildNestedTables(mem, hpa(0x1000), 0x2000, 0x1000, hpa(0), { flags: Pte.P | Pte.US });
    expect(peek32(mem, 0x2000)).toBe(0x5);
  });

  it('throws NestedTablesError on misaligned, too small, overlapping or out-of-RAM regions', () => {
    const mem = new Uint8Array(0x10000);
    const bad = (f: () => unknown): void => expect(f).toThrow(NestedTablesError);
    bad(() => buildNestedTables(mem, hpa(0x1800), 0x2000, 0x1000, hpa(0x8000)));
    bad(() => buildNestedTables(mem, hpa(0x1000), 0x2000, 0x1000, hpa(0x8800)));
    bad(() => buildNestedTables(mem, hpa(0x1000), 0x1000, 0x1000, hpa(0x8000)));
    bad(() => buildNestedTables(mem, hpa(0x1000), 0x2000, 0x8000, hpa(0x0)));
    bad(() => buildNestedTables(mem, hpa(0xf000), 0x2000, 0x1000, hpa(0x0)));
    bad(() => buildNestedTables(mem, hpa(0x1000), 0x2000, 0, hpa(0x8000)));
    bad(() => buildNestedTables(mem, hpa(0x1000), 0x2000, 0x1000, hpa(0x8000), { largePages: true }));
    expect(() => buildNestedTables(mem, hpa(0x1000), 0x2000, 0x1000, hpa(0x8000))).not.toThrow();
  });
});
